package queries

import (
	"database/sql/driver"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"time"
)

// keySet tells, while a file's rows are appended, whether a key may repeat
// among them, so that Commit can skip DuckDB's aggregate over every new row
// when no key repeats (the usual export). It keeps one hash per key and only
// ever errs towards "may repeat": equal keys always have equal hashes, so a
// file it finds free of repeats has none; a hash collision or a file beyond
// its capacity only sends Commit to the exact check in SQL.
//
// Memory is bounded whatever the file size: a small table of full 64-bit
// hashes up to smallMax keys, then one table of 2^bigBits 32-bit
// fingerprints (128 MiB), given up (freed) past bigMax keys.
type keySet struct {
	seed maphash.Seed
	// idx are the key columns; date marks DATE columns.
	idx  []int
	date []bool
	buf  []byte
	// small: open addressing over full hashes (0 = empty).
	small []uint64
	// big: open addressing over 32-bit fingerprints (0 = empty), the slot
	// chosen by the hash's top bits.
	big []uint32
	n   int
	// pending are hashes not yet inserted: inserting a batch in a tight
	// loop lets the processor overlap the cache misses of a large table.
	pending []uint64
	// repeat: some hash was seen twice; unknown: the set gave up.
	repeat, unknown bool
}

const (
	smallMax = 1 << 20 // keys held with full hashes (16 MiB of slots)
	bigBits  = 25      // 2^25 fingerprints, 128 MiB
	bigMax   = 3 << (bigBits - 2)
)

func newKeySet(ds Dataset) *keySet {
	s := &keySet{seed: maphash.MakeSeed(), small: make([]uint64, 1<<10), pending: make([]uint64, 0, 1024)}
	for _, k := range ds.Key {
		c, i := ds.Column(k)
		s.idx = append(s.idx, i)
		s.date = append(s.date, c.Kind == Date)
	}
	return s
}

// maybeRepeats says whether a key may have been added twice.
func (s *keySet) maybeRepeats() bool {
	if !s.repeat && !s.unknown {
		s.flush()
	}
	return s.repeat || s.unknown
}

// add records the key of one row (values as Loader.Append stores them).
func (s *keySet) add(values []driver.Value) {
	if s.repeat || s.unknown {
		return
	}
	b := s.buf[:0]
	for j, i := range s.idx {
		// The hash covers what DuckDB compares: the bytes of a string, the
		// microseconds of an instant, the day of a date.
		switch v := values[i].(type) {
		case nil:
			b = append(b, 0)
		case string:
			b = append(b, 1)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		case int64:
			b = append(b, 2)
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		case time.Time:
			b = append(b, 3)
			if s.date[j] {
				b = binary.LittleEndian.AppendUint64(b, uint64(v.Unix()/86400))
			} else {
				b = binary.LittleEndian.AppendUint64(b, uint64(v.UnixMicro()))
			}
		default:
			s.giveUp()
			return
		}
	}
	s.buf = b
	s.pending = append(s.pending, maphash.Bytes(s.seed, b))
	if len(s.pending) == cap(s.pending) {
		s.flush()
	}
}

// flush inserts the pending hashes.
func (s *keySet) flush() {
	p := s.pending
	s.pending = s.pending[:0]
	if s.big != nil {
		s.addBig(p)
		return
	}
	for _, h := range p {
		if s.repeat || s.unknown {
			return
		}
		if s.big != nil {
			s.addBig([]uint64{h})
			continue
		}
		s.addSmall(h)
	}
}

func (s *keySet) addSmall(h uint64) {
	if h == 0 {
		h = 1
	}
	if !insertSmall(s.small, h) {
		s.repeated()
		return
	}
	s.n++
	if s.n*4 < len(s.small)*3 {
		return
	}
	if len(s.small) < 2*smallMax {
		grown := make([]uint64, 2*len(s.small))
		for _, x := range s.small {
			if x != 0 {
				insertSmall(grown, x)
			}
		}
		s.small = grown
		return
	}
	s.big = make([]uint32, 1<<bigBits)
	old := s.small
	s.small = nil
	s.n = 0
	var moved []uint64
	for _, x := range old {
		if x != 0 {
			moved = append(moved, x)
		}
	}
	s.addBig(moved)
}

// insertSmall adds h to the table; false if it was there.
func insertSmall(t []uint64, h uint64) bool {
	mask := uint64(len(t) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t[i] {
		case 0:
			t[i] = h
			return true
		case h:
			return false
		}
	}
}

func (s *keySet) addBig(hs []uint64) {
	if s.n+len(hs) > bigMax {
		s.giveUp()
		return
	}
	big := s.big
	mask := uint64(len(big) - 1)
	for _, h := range hs {
		fp := uint32(h) | 1 // never 0 (empty); the low bit is lost
		i := bits.RotateLeft64(h, bigBits) & mask
		for big[i] != 0 {
			if big[i] == fp {
				// Same fingerprint: the same key, or (rarely) another one.
				s.repeated()
				return
			}
			i = (i + 1) & mask
		}
		big[i] = fp
	}
	s.n += len(hs)
}

func (s *keySet) repeated() {
	s.repeat = true
	s.release()
}

func (s *keySet) giveUp() {
	s.unknown = true
	s.release()
}

// release frees the tables; it says whether they held much memory.
func (s *keySet) release() bool {
	large := s.big != nil
	s.small, s.big, s.buf, s.pending = nil, nil, nil, nil
	return large
}
