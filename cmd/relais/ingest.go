package main

import (
	"context"
	"errors"
	"flag"
)

// ingestFlags is a stub until its issue lands.
func (m *Main) ingestFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	return func(ctx context.Context) error { return errors.New("ingest: not built yet") }
}
