// Command composecheck loads a compose file the way `docker compose config` does (the
// compose-spec's own loader: schema, interpolation, normalisation, consistency) and prints
// the resolved project as JSON, so tests can check the model Docker would run without an engine.
//
//	go run . ../../docker-compose.yml ../../.env.example
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: composecheck COMPOSE_FILE ENV_FILE")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		[]string{os.Args[1]},
		cli.WithEnvFiles(os.Args[2]),
		cli.WithDotEnv,
		cli.WithConsistency(true),
		cli.WithNormalization(true),
		cli.WithInterpolation(true),
	)
	if err == nil {
		err = printProject(options)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "composecheck:", err)
		os.Exit(1)
	}
}

func printProject(options *cli.ProjectOptions) error {
	project, err := cli.ProjectFromOptions(context.Background(), options)
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
