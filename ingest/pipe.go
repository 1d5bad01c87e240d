package ingest

import (
	"database/sql/driver"
	"sync/atomic"

	"relais/queries"
)

// batchRows is the number of rows handed to the appending goroutine at once.
const batchRows = 2048

// rowBatch is a block of converted rows, reused.
type rowBatch struct {
	vals []driver.Value
	n    int
}

// appendPipe appends rows to the loader on its own goroutine, so that
// reading and converting the next rows overlaps DuckDB's appender. Rows
// keep their order (one consumer), so the later row of a key still wins.
type appendPipe struct {
	loader queriesAppender
	ncol   int
	cur    *rowBatch
	full   chan *rowBatch
	free   chan *rowBatch
	done   chan struct{}
	err    error // written by the consumer before done is closed
	failed atomic.Bool
	closed bool
}

// queriesAppender is the part of queries.Loader the pipe uses.
type queriesAppender interface {
	Append([]driver.Value) error
}

var _ queriesAppender = (*queries.Loader)(nil)

func newAppendPipe(l queriesAppender, ncol int) *appendPipe {
	const batches = 4
	p := &appendPipe{loader: l, ncol: ncol, full: make(chan *rowBatch, batches), free: make(chan *rowBatch, batches), done: make(chan struct{})}
	for i := 0; i < batches; i++ {
		p.free <- &rowBatch{vals: make([]driver.Value, batchRows*ncol)}
	}
	go p.run()
	return p
}

func (p *appendPipe) run() {
	defer close(p.done)
	for b := range p.full {
		if p.err == nil {
			for i := 0; i < b.n; i++ {
				if err := p.loader.Append(b.vals[i*p.ncol : (i+1)*p.ncol]); err != nil {
					p.err = err
					p.failed.Store(true)
					break
				}
			}
		}
		clear(b.vals[:b.n*p.ncol]) // drop references to this batch's strings
		b.n = 0
		p.free <- b
	}
}

// slot returns the values to fill for the next row.
func (p *appendPipe) slot() []driver.Value {
	if p.cur == nil {
		p.cur = <-p.free
	}
	i := p.cur.n * p.ncol
	return p.cur.vals[i : i+p.ncol]
}

// keep appends the row last written in slot; it reports whether appending
// has failed so far (the error comes from close).
func (p *appendPipe) keep() bool {
	p.cur.n++
	if p.cur.n == batchRows {
		p.full <- p.cur
		p.cur = nil
	}
	return !p.failed.Load()
}

// close appends what is left, stops the goroutine and returns the first
// append error. It may be called more than once.
func (p *appendPipe) close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	if p.cur != nil && p.cur.n > 0 {
		p.full <- p.cur
	}
	p.cur = nil
	close(p.full)
	<-p.done
	return p.err
}
