package demo

import (
	"math/rand/v2"
	"sort"
)

// buildStatuses walks the ideas in time order and gives each its kind,
// title, theme, challenge, links (solves, replicates), decisions, status,
// scores and the planned first answer of an ambassador. Statuses follow
// the decisions: a decided idea is retained, postponed, rejected or (when
// implemented_at is set) implemented; an undecided one is submitted or in
// review; a few are withdrawn without a decision.
func (w *world) buildStatuses() {
	r := w.rng(streamStatus)
	prefixes := solutionPrefixes()
	pls := make([][]string, len(w.themes))
	for k, th := range w.themes {
		pls[k] = places(th.name)
	}
	var pool, irritants []int32
	var cands []int
	for i := range w.ideas {
		it := &w.ideas[i]
		day := int(it.created / daySec)
		sp := specOf(normal)
		if it.site >= 0 {
			sp = w.sites[it.site].spec
		}
		switch u := r.Float64(); {
		case u < 0.2:
			it.kind = kindIrritant
		case u < 0.3:
			it.kind = kindSolution
		case u < 0.38:
			it.kind = kindPractice
		default:
			it.kind = kindIdea
		}
		it.theme = uint8(r.IntN(len(w.themes)))
		if r.Float64() < 0.35 {
			cands = cands[:0]
			for k, c := range w.chals {
				if (c.site < 0 || c.site == it.site) && day >= int(c.start) && day <= int(c.end) {
					cands = append(cands, k)
				}
			}
			if len(cands) > 0 {
				it.challenge = int16(pick(r, cands))
				it.theme = w.chals[it.challenge].theme
			}
		}
		th := &w.themes[it.theme]
		switch it.kind {
		case kindIdea:
			it.title = pick(r, th.ideas) + pick(r, pls[it.theme])
		case kindIrritant:
			it.title = pick(r, th.irritants)
			if r.Float64() < 0.3 {
				it.title += pick(r, pls[it.theme])
			}
		case kindPractice:
			it.title = pick(r, th.practices)
		case kindSolution:
			if len(irritants) > 0 && r.Float64() < 0.6 {
				var o int32 = -1
				if it.site >= 0 && len(w.sites[it.site].irritants) > 0 && r.Float64() < 0.8 {
					o = pick(r, w.sites[it.site].irritants)
				} else {
					o = pick(r, irritants)
				}
				it.solves = o
				it.theme = w.ideas[o].theme
				th = &w.themes[it.theme]
			}
			it.title = pick(r, prefixes) + pick(r, th.ideas)
		}
		if day >= dayStart && it.site >= 0 && r.Float64() < sp.replicate {
			w.replicate(r, i, pool)
		}
		w.decide(r, it, day, sp)
		w.planAnswer(r, it, day, sp)
		if it.status != stWithdrawn && it.site >= 0 && (it.status == stImplemented || it.kind == kindPractice) {
			pool = append(pool, int32(i))
		}
		if it.kind == kindIrritant && it.site >= 0 {
			irritants = append(irritants, int32(i))
			w.sites[it.site].irritants = append(w.sites[it.site].irritants, int32(i))
		}
	}
}

// replicate makes idea i a replica of an earlier practice or implemented
// idea of another site (created at least a week before), when one exists.
func (w *world) replicate(r *rand.Rand, i int, pool []int32) {
	it := &w.ideas[i]
	limit := it.created - 7*daySec
	n := sort.Search(len(pool), func(k int) bool { return w.ideas[pool[k]].created > limit })
	if n == 0 {
		return
	}
	for range 4 {
		o := pool[r.IntN(n)]
		origin := &w.ideas[o]
		if origin.site == it.site || origin.kind != kindPractice && origin.implemented > it.created {
			continue
		}
		it.replicates = o
		it.kind, it.theme, it.solves = origin.kind, origin.theme, -1
		it.title = origin.title
		if r.Float64() < 0.4 {
			it.title += " (reprise de " + w.sites[origin.site].name + ")"
		}
		return
	}
}

// committee returns the instant of a committee meeting about days after
// from: a business day between 09:00 and 18:00, never before from; -1 when
// it would fall after D.
func (w *world) committee(r *rand.Rand, from int32, days float64) int32 {
	d := int(from/daySec) + int(min(days, 2*historyDays))
	if d > dayD {
		return -1
	}
	for isWeekend(w.clock.day(d).weekday) {
		d++
	}
	t := int64(d*daySec + between(r, 9*60, 18*60)*60)
	if t <= int64(from) {
		t = int64(from) + int64(between(r, 30, 120)*60)
		if t%daySec > 23*3600 {
			d = int(t/daySec) + 1
			if d > dayD {
				return -1
			}
			for isWeekend(w.clock.day(d).weekday) {
				d++
			}
			t = int64(d*daySec + between(r, 9*60, 12*60)*60)
		}
	}
	if t >= endOfDSec {
		return -1
	}
	return int32(t)
}

func (w *world) decide(r *rand.Rand, it *idea, day int, sp profileSpec) {
	if r.Float64() < 0.03 {
		it.status = stWithdrawn
		return
	}
	prob, median := sp.decideProb, sp.decideMedian
	if day < dayStart { // before the program: a slow committee
		prob, median = 0.88, 24
		if sp.decideMedian > 24 {
			median = sp.decideMedian
		}
	}
	t := int32(-1)
	if r.Float64() < prob {
		t = w.committee(r, it.created, median*lognormal(r, 0.7))
	}
	if t < 0 {
		it.status = stSubmitted
		inReview := 0.6
		if sp.decideMedian > 24 {
			inReview = 0.25
		}
		if dayD-day > 2 && r.Float64() < inReview {
			it.status = stInReview
		}
		w.score(r, it, sp.scored*0.4)
		return
	}
	it.decided = t
	switch u := r.Float64(); {
	case u < 0.5:
		it.outcome = decRetained
	case u < 0.72:
		it.outcome = decPostponed
	default:
		it.outcome = decRejected
	}
	if it.outcome == decPostponed && r.Float64() < 0.35 {
		if t2 := w.committee(r, t, 20+25*r.Float64()); t2 >= 0 {
			it.prior, it.priorOutcome, it.decided = t, decPostponed, t2
			it.outcome = decRetained
			if r.Float64() < 0.3 {
				it.outcome = decRejected
			}
		}
	}
	it.status = [...]uint8{stRetained, stPostponed, stRejected}[it.outcome]
	if it.outcome == decRetained && r.Float64() < 0.6 {
		if ti := w.committee(r, it.decided, 25*lognormal(r, 0.6)); ti >= 0 {
			it.implemented, it.status = ti, stImplemented
		}
	}
	it.noLog = r.Float64() < 0.04
	w.score(r, it, sp.scored)
}

func (w *world) score(r *rand.Rand, it *idea, p float64) {
	if r.Float64() >= p {
		return
	}
	lo := 1
	if it.status == stRetained || it.status == stImplemented {
		lo = 2
	}
	it.impact, it.feas = uint8(between(r, lo, 5)), uint8(between(r, lo, 5))
}

// planAnswer decides whether and when an ambassador (or the core team)
// first comments on the idea; the comments writer emits that comment.
func (w *world) planAnswer(r *rand.Rand, it *idea, day int, sp profileSpec) {
	prob, median := sp.answerProb, sp.answerMedian
	if day < dayStart { // before the program the network barely answered
		prob, median = 0.25, 6
	}
	if it.status == stWithdrawn || it.site < 0 || r.Float64() >= prob {
		return
	}
	t := int64(it.created) + int64(median*lognormal(r, 0.8)*daySec) + 600
	switch sod := t % daySec; {
	case sod < 7*3600:
		t += 7*3600 - sod + int64(r.IntN(90*60))
	case sod > 22*3600:
		t += daySec - sod + 8*3600 + int64(r.IntN(60*60))
	}
	if t >= endOfDSec {
		return
	}
	aday := int(t / daySec)
	s := &w.sites[it.site]
	by := int32(-1)
	if len(s.ambassadors) > 0 && r.Float64() < 0.85 {
		for range 6 {
			a := pick(r, s.ambassadors)
			if a != it.author && w.activeOn(a, aday) {
				by = a
				break
			}
		}
	}
	if by < 0 && len(w.core) > 0 && r.Float64() < 0.5 {
		if c := pick(r, w.core); c != it.author && w.activeOn(c, aday) {
			by = c
		}
	}
	if by >= 0 {
		it.answerAt, it.answerBy = int32(t), by
	}
}
