// Checks a keychain-operator audit head with golang.org/x/mod/sumdb/note and tlog: the verifier
// the Go module ecosystem uses for its checksum database, written by others than this project.
// Usage: noteverify NOTE_FILE VERIFIER_KEY; prints "size root" and exits 0 if the note verifies.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: noteverify NOTE_FILE VERIFIER_KEY")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail(err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail(err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail(fmt.Errorf("not a checkpoint of %s", verifier.Name()))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail(err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail(err)
	}
	fmt.Printf("%d %s\n", size, root)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "noteverify:", err)
	os.Exit(1)
}
