// compose-check validates compose.yaml the way `docker compose config` does, without Docker:
// Compose's own loader (compose-go) checks the file against the Compose Specification JSON
// schema it embeds, then interpolates, merges anchors and checks references. It prints the
// resolved project as JSON for the drift tests.
//
//	go run ./tools/compose-check -env-file .env.example compose.yaml [more.yaml ...]
//
// More files are merged over the first, as `docker compose -f a -f b` does (the lab's overlay for
// the sets declared under sets/).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	envFile := flag.String("env-file", ".env.example", "variables for interpolation")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"compose.yaml"}
	}
	dir, err := filepath.Abs(filepath.Dir(files[0]))
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		files,
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(*envFile),
		cli.WithDotEnv,
		cli.WithName("lb-lab"),
		// Every service, loadtest profile included.
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
	os.Exit(1)
}
