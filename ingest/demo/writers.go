package demo

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Forms of the files (the choices the contract leaves open):
//   - sites.csv: canonical CSV with a UTF-8 byte-order mark (Excel's "CSV
//     UTF-8"); people, challenges, decisions, votes, comments and activity:
//     canonical CSV, comma, UTF-8, LF.
//   - idees.csv: the French export: Windows-1252, `;`, CRLF, French headers
//     and enum words, dates dd/mm/yyyy HH:MM (decisions date-only).
//   - enquetes.xlsx: surveys, French headers, answered_at as date cells.
//
// Each file spells instants its own way, as exports from different tools
// do: activity 2026-10-03T09:15:22+02:00, votes 2026-10-03T07:15:22Z (UTC),
// comments 2026-10-03 09:15:22 (local, no offset), decisions
// 2026-10-03 10:00:00 +0200, people and challenges plain dates.

var roleNames = [...]string{"collaborator", "ambassador", "core_team", "sponsor"}

// frStatus are the French status words of idees.csv (implemented has two
// spellings, both accepted by docs/data.md).
var frStatus = [...]string{"Soumise", "En étude", "Retenue", "Reportée", "Refusée", "Réalisée", "Retirée"}

var frKind = [...]string{"Idée", "Irritant", "Solution", "Bonne pratique"}

var decisionNames = [...]string{"retained", "postponed", "rejected", "implemented"}

func personID(b []byte, pi int32) []byte {
	b = append(b, 'P')
	return appendPadded(b, int(pi)+1, 6)
}

func ideaID(b []byte, i int32) []byte { return strconv.AppendInt(b, int64(i)+1001, 10) }

func (w *world) siteOf(s int32) string {
	if s < 0 {
		return unknownSiteID
	}
	return w.sites[s].id
}

func (w *world) writeSites(ctx context.Context, f *os.File) (int64, error) {
	c := newCSV(f, ',', false)
	c.bw.WriteString("\ufeff")
	if err := c.header("site_id", "name", "region", "headcount"); err != nil {
		return 0, err
	}
	for _, s := range w.sites {
		c.str(s.id)
		c.str(s.name)
		c.str(s.region)
		c.int(s.headcount)
		if err := c.end(); err != nil {
			return 0, err
		}
	}
	return c.rows, c.flush()
}

func (w *world) writePeople(ctx context.Context, f *os.File) (int64, error) {
	c := newCSV(f, ',', false)
	if err := c.header("person_id", "site_id", "role", "display_name", "ambassador_since", "trained_on", "left_on"); err != nil {
		return 0, err
	}
	date := func(d int16) {
		if d < 0 {
			c.empty()
			return
		}
		c.set(w.clock.appendISODate(c.field(), int(d)))
	}
	for i, p := range w.people {
		c.set(personID(c.field(), int32(i)))
		c.str(w.siteOf(p.site))
		c.str(roleNames[p.role])
		c.str(w.first[p.first] + " " + w.last[p.last])
		date(p.since)
		date(p.trained)
		date(p.left)
		if err := c.end(); err != nil {
			return 0, err
		}
	}
	return c.rows, c.flush()
}

func (w *world) writeChallenges(ctx context.Context, f *os.File) (int64, error) {
	c := newCSV(f, ',', false)
	if err := c.header("challenge_id", "title", "site_id", "theme", "starts_on", "ends_on"); err != nil {
		return 0, err
	}
	for _, ch := range w.chals {
		c.str(ch.id)
		c.str(ch.title)
		if ch.site < 0 {
			c.empty()
		} else {
			c.str(w.sites[ch.site].id)
		}
		c.str(w.themes[ch.theme].name)
		c.set(w.clock.date(int(ch.start)).AppendFormat(c.field(), "2006-01-02"))
		c.set(w.clock.date(int(ch.end)).AppendFormat(c.field(), "2006-01-02"))
		if err := c.end(); err != nil {
			return 0, err
		}
	}
	return c.rows, c.flush()
}

// writeIdeas writes the French export: Windows-1252, `;`, CRLF.
func (w *world) writeIdeas(ctx context.Context, f *os.File) (int64, error) {
	tw := transform.NewWriter(f, charmap.Windows1252.NewEncoder())
	c := newCSV(tw, ';', true)
	if err := c.header("Idée", "Site", "Auteur", "Type", "Titre", "Statut", "Date de création", "Date de décision",
		"Date de mise en œuvre", "Impact", "Faisabilité", "Défi", "Thème", "Résout", "Réplique"); err != nil {
		return 0, err
	}
	for i := range w.ideas {
		if err := checkEvery(ctx, i, 65536); err != nil {
			return 0, err
		}
		it := &w.ideas[i]
		c.set(ideaID(c.field(), int32(i)))
		if it.site < 0 {
			c.str(groupSiteID)
		} else {
			c.str(w.sites[it.site].id)
		}
		switch {
		case it.author == -1:
			c.empty()
		case it.author == -2:
			c.str("EXT-" + pad(int(it.created)%997, 4))
		default:
			c.set(personID(c.field(), it.author))
		}
		c.str(frKind[it.kind])
		c.str(it.title)
		st := frStatus[it.status]
		if it.status == stImplemented && it.created/60%3 == 0 {
			st = "Mise en œuvre"
		}
		c.str(st)
		c.set(w.clock.appendFRTime(c.field(), it.created))
		if it.decided >= 0 {
			c.set(w.clock.appendFRDate(c.field(), int(it.decided/daySec)))
		} else {
			c.empty()
		}
		if it.implemented >= 0 {
			c.set(w.clock.appendFRDate(c.field(), int(it.implemented/daySec)))
		} else {
			c.empty()
		}
		if it.impact > 0 {
			c.int(int(it.impact))
			c.int(int(it.feas))
		} else {
			c.empty()
			c.empty()
		}
		if it.challenge >= 0 {
			c.str(w.chals[it.challenge].id)
		} else {
			c.empty()
		}
		c.str(w.themes[it.theme].name)
		for _, link := range []int32{it.solves, it.replicates} {
			if link >= 0 {
				c.set(ideaID(c.field(), link))
			} else {
				c.empty()
			}
		}
		if err := c.end(); err != nil {
			return 0, err
		}
	}
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.rows, tw.Close()
}

// writeDecisions writes the committee's changelog: every decision of every
// decided idea (a postponement before the final decision, the
// implementation after a retention), but for a few ideas the log missed.
func (w *world) writeDecisions(ctx context.Context, f *os.File) (int64, error) {
	r := w.rng(streamDecisions)
	rs := reasons()
	c := newCSV(f, ',', false)
	if err := c.header("idea_id", "decision", "decided_at", "reason"); err != nil {
		return 0, err
	}
	row := func(i int, dec int, t int32) error {
		c.set(ideaID(c.field(), int32(i)))
		c.str(decisionNames[dec])
		c.set(w.clock.appendCompact(c.field(), t))
		if r.Float64() < 0.85 {
			c.str(pick(r, rs[dec]))
		} else {
			c.empty()
		}
		return c.end()
	}
	for i := range w.ideas {
		it := &w.ideas[i]
		if it.decided < 0 || it.noLog {
			continue
		}
		if it.prior >= 0 {
			if err := row(i, int(it.priorOutcome), it.prior); err != nil {
				return 0, err
			}
		}
		if err := row(i, int(it.outcome), it.decided); err != nil {
			return 0, err
		}
		if it.implemented >= 0 {
			if err := row(i, decImplemented, it.implemented); err != nil {
				return 0, err
			}
		}
	}
	return c.rows, c.flush()
}

// later returns an instant about meanDays after t (exponentially
// distributed, at least 5 minutes), moved into 07:00-23:00.
func later(r *rand.Rand, t int32, meanDays float64) int64 {
	u := int64(t) + 300 + int64(r.ExpFloat64()*meanDays*daySec)
	switch sod := u % daySec; {
	case sod < 7*3600:
		u += 7*3600 - sod + int64(r.IntN(3*3600))
	case sod >= 23*3600:
		u += daySec - sod + 7*3600 + int64(r.IntN(3*3600))
	}
	return u
}

// writeVotes streams the votes idea by idea: distinct voters, mostly of the
// idea's site, a few from other sites and a handful by unknown people.
func (w *world) writeVotes(ctx context.Context, f *os.File) (int64, error) {
	r := w.rng(streamVotes)
	c := newCSV(f, ',', false)
	if err := c.header("idea_id", "voter_id", "voted_at"); err != nil {
		return 0, err
	}
	mean := float64(w.spec.votes) / float64(w.spec.ideas) * 0.7
	var voters []int32
	for i := range w.ideas {
		if err := checkEvery(ctx, i, 4096); err != nil {
			return 0, err
		}
		it := &w.ideas[i]
		sp := w.specOfIdea(it)
		lambda := mean * sp.votes * lognormal(r, 0.7)
		if it.kind == kindIrritant {
			lambda *= 1.3
		}
		voters = voters[:0]
		for range poisson(r, lambda) {
			t := later(r, it.created, 3.5)
			if t >= endOfDSec {
				continue
			}
			day := int(t / daySec)
			var v int32
			switch u := r.Float64(); {
			case u < 0.0005:
				v = -1000 - int32(r.IntN(500))
			case u < sp.crossSiteVotes:
				v = w.pickPerson(r, day)
			default:
				v = w.pickSitePerson(r, it.site, day)
			}
			if v == -1 || v == it.author || slices.Contains(voters, v) {
				continue
			}
			voters = append(voters, v)
			c.set(ideaID(c.field(), int32(i)))
			if v < 0 {
				c.set(append(c.field(), "EXT-"...))
				c.row = appendPadded(c.row, int(-v), 4)
			} else {
				c.set(personID(c.field(), v))
			}
			c.set(w.clock.appendUTC(c.field(), int32(t)))
			if err := c.end(); err != nil {
				return 0, err
			}
		}
	}
	return c.rows, c.flush()
}

func (w *world) specOfIdea(it *idea) *profileSpec {
	if it.site < 0 {
		s := specOf(normal)
		return &s
	}
	return &w.sites[it.site].spec
}

type comment struct {
	t      int64
	author int32
	body   string
}

// writeComments streams the comments idea by idea: the planned answer of
// an ambassador or of the core team, then collaborators' comments (an
// ambassador only comments after answering), a few comments on ideas that
// are not in the export.
func (w *world) writeComments(ctx context.Context, f *os.File) (int64, error) {
	r := w.rng(streamComments)
	bodies, answers := commentBodies(), answerBodies()
	c := newCSV(f, ',', false)
	if err := c.header("comment_id", "idea_id", "author_id", "created_at", "body"); err != nil {
		return 0, err
	}
	mean := float64(w.spec.comments) / float64(w.spec.ideas) * 0.7
	var cs []comment
	n := 0
	emit := func(idea string, cm comment) error {
		n++
		c.set(append(c.field(), 'C'))
		c.row = appendPadded(c.row, n, 7)
		c.str(idea)
		c.set(personID(c.field(), cm.author))
		c.set(w.clock.appendLocal(c.field(), int32(cm.t)))
		c.str(cm.body)
		return c.end()
	}
	var idb []byte
	for i := range w.ideas {
		if err := checkEvery(ctx, i, 4096); err != nil {
			return 0, err
		}
		it := &w.ideas[i]
		sp := w.specOfIdea(it)
		cs = cs[:0]
		if it.answerAt >= 0 {
			cs = append(cs, comment{int64(it.answerAt), it.answerBy, pick(r, answers)})
		}
		for range poisson(r, mean*sp.comments*lognormal(r, 0.7)) {
			t := later(r, it.created, 4)
			if t >= endOfDSec {
				continue
			}
			day := int(t / daySec)
			var a int32 = -1
			switch u := r.Float64(); {
			case u < 0.15 && it.author >= 0:
				if w.activeOn(it.author, day) {
					a = it.author
				}
			case u < 0.15+sp.crossSiteVotes:
				a = w.pickPerson(r, day)
			default:
				a = w.pickSitePerson(r, it.site, day)
			}
			if a < 0 {
				continue
			}
			if role := w.people[a].role; a != it.author && (role == roleAmbassador || role == roleCoreTeam) &&
				(it.answerAt < 0 || t <= int64(it.answerAt)) {
				continue // the answer is the planned one
			}
			cs = append(cs, comment{t, a, pick(r, bodies)})
		}
		slices.SortStableFunc(cs, func(a, b comment) int { return int(a.t - b.t) })
		idb = ideaID(idb[:0], int32(i))
		for _, cm := range cs {
			if err := emit(string(idb), cm); err != nil {
				return 0, err
			}
		}
		if r.Float64() < 0.002 { // on an idea deleted from the platform
			deleted := itoa(100 + r.IntN(900))
			if a := w.pickPerson(r, int(it.created/daySec)); a >= 0 {
				if err := emit(deleted, comment{int64(it.created) + 3600, a, pick(r, bodies)}); err != nil {
					return 0, err
				}
			}
		}
	}
	return c.rows, c.flush()
}

var actions = [...]string{"visit", "visit", "visit", "visit", "visit", "read_idea", "read_idea", "read_idea", "search", "share"}

// writeActivity streams the participation export person by person, day by
// day: a Poisson number of events a day whose rate follows the site's
// profile (a falling site's W much quieter than its W'), nothing on a day
// the person is quiet, gone or dormant. A day's first event is a login.
func (w *world) writeActivity(ctx context.Context, f *os.File) (int64, error) {
	r := w.rng(streamActivity)
	c := newCSV(f, ',', false)
	if err := c.header("person_id", "occurred_at", "action"); err != nil {
		return 0, err
	}
	// Each site's share of a person's events per day (dayAct..dayD); the
	// shares sum to 1 before the W factor, so a falling site loses events.
	nd := dayD - dayAct + 1
	shares := make([][]float64, len(w.sites)+1)
	for i := range shares {
		actW := 1.0
		if i < len(w.sites) {
			actW = w.sites[i].spec.actW
		}
		ws := make([]float64, nd)
		var sum float64
		for k := range ws {
			d := dayAct + k
			v := 0.6
			if d >= dayStart {
				v = 0.8 + 0.4*float64(d-dayStart)/float64(dayD-dayStart)
			}
			if isWeekend(w.clock.day(d).weekday) {
				v *= 0.12
			}
			sum += v
			ws[k] = v
		}
		for k := range ws {
			ws[k] /= sum
			if dayAct+k >= dayW {
				ws[k] *= actW
			}
		}
		shares[i] = ws
	}
	var id []byte
	for pi := range w.people {
		if err := checkEvery(ctx, pi, 1024); err != nil {
			return 0, err
		}
		p := &w.people[pi]
		if p.w == 0 {
			continue
		}
		// 1.05: what newcomers and quiet people leave out comes back.
		total := 1.05 * float64(w.activity) * float64(p.w) / w.totalW
		sh := shares[len(w.sites)]
		if p.site >= 0 {
			sh = shares[p.site]
		}
		id = personID(id[:0], int32(pi))
		for k, share := range sh {
			d := dayAct + k
			if !w.activeOn(int32(pi), d) {
				continue
			}
			n := poisson(r, total*share)
			t := int32(d*daySec + 7*3600 + r.IntN(3*3600))
			for e := range n {
				c.raw(id)
				c.set(w.clock.appendOffset(c.field(), t))
				if e == 0 {
					c.str("login")
				} else {
					c.str(actions[r.IntN(len(actions))])
				}
				if err := c.end(); err != nil {
					return 0, err
				}
				t += int32(60 + r.IntN(45*60))
				if t >= int32(d*daySec+23*3600+59*60) {
					break
				}
			}
		}
	}
	// A few events of accounts that are not in people (a deleted account,
	// a test account).
	for k := range 3 + w.activity/100_000 {
		t := int32((dayAct+r.IntN(nd))*daySec + 8*3600 + r.IntN(10*3600))
		c.str("EXT-" + pad(k%7, 4))
		c.set(w.clock.appendOffset(c.field(), t))
		c.str("visit")
		if err := c.end(); err != nil {
			return 0, err
		}
	}
	return c.rows, c.flush()
}

// writeConfig writes the relais.yaml that goes with the exports: the time
// zone, program.start = D-74 and the plan's default targets, explicitly.
func (w *world) writeConfig(ctx context.Context, f *os.File) (int64, error) {
	start := w.clock.date(dayStart).Format("2006-01-02")
	asOf := w.clock.date(dayD).Format("2006-01-02")
	s := "# Written by `relais demo` with the exports of this folder (as of " + asOf + ", seed " +
		strconv.FormatInt(w.seed, 10) + ").\n" +
		"timezone: " + w.loc.String() + "\n" +
		"program:\n" +
		"  start: " + start + "             # day 1 of the 90-day plan (as-of date - 74)\n" +
		"targets:\n" +
		"  - kpi: sites_with_active_ambassador_share\n    target: 0.60\n    direction: at_least\n" +
		"  - kpi: ideas_per_site_median\n    target: 10\n    direction: at_least\n" +
		"  - kpi: decision_delay_reduction\n    target: 0.30\n    direction: at_least\n"
	_, err := io.WriteString(f, s)
	return 0, err
}

// checkEvery is ctx's error at every nth step i of a loop, nil between:
// looking at the context costs more than a step of the cheapest loops.
func checkEvery(ctx context.Context, i, n int) error {
	if i%n != 0 {
		return nil
	}
	return ctx.Err()
}
