package main

import (
	"context"
	"errors"
	"flag"
)

// serveFlags is a stub until its issue lands.
func (m *Main) serveFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	return func(ctx context.Context) error { return errors.New("serve: not built yet") }
}
