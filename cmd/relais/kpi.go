package main

import (
	"context"
	"errors"
	"flag"
)

// kpiFlags is a stub until its issue lands.
func (m *Main) kpiFlags(fs *flag.FlagSet) func(ctx context.Context) error {
	return func(ctx context.Context) error { return errors.New("kpi: not built yet") }
}
