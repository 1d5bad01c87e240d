package main

import (
	"context"
	"errors"
	"flag"
)

// exportFlags is a stub until its issue lands.
func (m *Main) exportFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	return func(ctx context.Context) error { return errors.New("export: not built yet") }
}
