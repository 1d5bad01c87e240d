package main

import (
	"context"
	"errors"
	"flag"
)

// demoFlags is a stub until its issue lands.
func (m *Main) demoFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	return func(ctx context.Context) error { return errors.New("demo: not built yet") }
}
