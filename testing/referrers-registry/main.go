// An OCI registry with the referrers API: go-containerregistry's registry package (in memory),
// which tests use where Debian's docker-registry has no referrers API.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("address", "127.0.0.1:0", "listen address")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, registry.New(registry.WithReferrersSupport(true))))
}
