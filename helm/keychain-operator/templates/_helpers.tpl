{{- define "keychain.name" -}}keychain-operator{{- end -}}

{{- define "keychain.labels" -}}
app.kubernetes.io/name: keychain-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "keychain.selectorLabels" -}}
app.kubernetes.io/name: keychain-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keychain.image" -}}
{{- $tag := default .Chart.AppVersion .image.tag -}}
{{- if .image.digest -}}{{ .image.repository }}@{{ .image.digest }}{{- else -}}{{ .image.repository }}:{{ $tag }}{{- end -}}
{{- end -}}
