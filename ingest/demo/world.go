package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// The world is generated in memory (sites, people, challenges, ideas: at
// most a few hundred thousand compact rows) and the big facts (votes,
// comments, activity) are streamed from it by the writers, each with its
// own random stream so that the order of the writers never changes a byte.

// RNG streams, one per generated part.
const (
	streamSites uint64 = iota + 1
	streamPeople
	streamChallenges
	streamIdeas
	streamStatus
	streamVotes
	streamComments
	streamActivity
	streamSurveys
	streamDecisions
)

// Roles of people.
const (
	roleCollaborator uint8 = iota
	roleAmbassador
	roleCoreTeam
	roleSponsor
)

// Idea kinds, in the order of the contract.
const (
	kindIdea uint8 = iota
	kindIrritant
	kindSolution
	kindPractice
)

// Idea statuses, in the order of the contract.
const (
	stSubmitted uint8 = iota
	stInReview
	stRetained
	stPostponed
	stRejected
	stImplemented
	stWithdrawn
)

// Decision outcomes (index into reasons()).
const (
	decRetained = iota
	decPostponed
	decRejected
	decImplemented
)

// unknownSiteID is the site of a few contractors, absent from sites (a
// dangling reference the data-quality report shows).
const unknownSiteID = "PRESTATAIRES"

// groupSiteID is the site of a few group-wide ideas, absent from sites.
const groupSiteID = "GROUPE"

type site struct {
	id, name, region string
	headcount        int
	prof             profile
	spec             profileSpec
	people           []int32   // every person of the site
	cdf              []float64 // cumulative engagement over people
	ambassadors      []int32
	ideaCDF          []float64 // cumulative idea weight per day 0..dayD
	irritants        []int32
}

type person struct {
	site                 int32 // -1: unknownSiteID
	w                    float32
	role                 uint8
	quitW                bool
	first, last          uint8
	since, trained, left int16 // day indexes, -1: none
	from                 int16 // first day the person may act (a newcomer to the platform)
}

type challenge struct {
	id, title  string
	site       int32 // -1: group-wide
	theme      uint8
	start, end int16
}

type idea struct {
	created, decided, prior, implemented int32 // local seconds, -1: none
	answerAt                             int32 // an ambassador's first answer, -1: none
	site                                 int32 // -1: groupSiteID
	author                               int32 // -1: empty, -2: unknown person
	answerBy                             int32
	solves, replicates                   int32 // idea indexes, -1: none
	title                                string
	challenge                            int16
	kind, status, theme                  uint8
	impact, feas                         uint8 // 0: empty
	outcome                              uint8 // final decision (decRetained...)
	priorOutcome                         uint8
	noLog                                bool // missing from the decisions changelog
}

type world struct {
	spec     scaleSpec
	seed     int64
	clock    *clock
	loc      *time.Location
	sites    []site
	people   []person
	cdf      []float64 // cumulative engagement over all people
	core     []int32
	chals    []challenge
	ideas    []idea
	themes   []theme
	first    []string
	last     []string
	totalW   float64
	activity int // target of activity rows
}

func newWorld(spec scaleSpec, seed int64, asOf time.Time, loc *time.Location) *world {
	return &world{
		spec: spec, seed: seed, clock: newClock(asOf, loc), loc: loc,
		themes: themes(), first: firstNames(), last: lastNames(), activity: spec.activity,
	}
}

func (w *world) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(w.seed), stream*0x9e3779b97f4a7c15))
}

func (w *world) build() {
	w.buildSites()
	w.buildPeople()
	w.buildChallenges()
	w.buildIdeas()
	w.buildStatuses()
}

// siteID turns a site name into an ASCII identifier: "Saint-Étienne Gare"
// -> "SAINT-ETIENNE-GARE".
func siteID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		switch r {
		case 'é', 'è', 'ê', 'ë', 'É':
			r = 'e'
		case 'à', 'â':
			r = 'a'
		case 'î', 'ï', 'Î':
			r = 'i'
		case 'ô':
			r = 'o'
		case 'û', 'ù':
			r = 'u'
		case 'ç':
			r = 'c'
		}
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.ToUpper(strings.TrimRight(b.String(), "-"))
}

func lognormal(r *rand.Rand, sigma float64) float64 { return math.Exp(r.NormFloat64() * sigma) }

func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		n := int(math.Round(lambda + r.NormFloat64()*math.Sqrt(lambda)))
		return max(n, 0)
	}
	l, k, p := math.Exp(-lambda), 0, r.Float64()
	for p > l {
		k++
		p *= r.Float64()
	}
	return k
}

func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// search returns the index drawn from a cumulative weight slice.
func search(r *rand.Rand, cdf []float64) int {
	if len(cdf) == 0 || cdf[len(cdf)-1] <= 0 {
		return -1
	}
	i := sort.SearchFloat64s(cdf, r.Float64()*cdf[len(cdf)-1])
	return min(i, len(cdf)-1)
}

func cumulate(ws []float64) []float64 {
	out := make([]float64, len(ws))
	var s float64
	for i, v := range ws {
		s += v
		out[i] = s
	}
	return out
}

func (w *world) buildSites() {
	r := w.rng(streamSites)
	cs := cities()
	n := w.spec.sites
	type cand struct {
		name, region string
		weight       float64
	}
	var cands []cand
	for _, c := range cs {
		cands = append(cands, cand(c))
	}
	for _, d := range districts() {
		c := cs[d.city]
		cands = append(cands, cand{c.name + " " + d.name, c.region, c.weight * 0.6})
	}
	for _, suf := range siteSuffixes() {
		for _, c := range cs {
			cands = append(cands, cand{c.name + " " + suf, c.region, c.weight * 0.35})
		}
	}
	for i := 0; len(cands) < n; i++ { // beyond every name: numbered sites
		c := cs[i%len(cs)]
		cands = append(cands, cand{c.name + " Site " + itoa(i/len(cs)+4), c.region, c.weight * 0.3})
	}
	seen := map[string]bool{}
	weights := make([]float64, n)
	for i := range n {
		c := cands[i]
		id := siteID(c.name)
		for k := 2; seen[id]; k++ {
			id = siteID(c.name) + "-" + itoa(k)
		}
		seen[id] = true
		w.sites = append(w.sites, site{id: id, name: c.name, region: c.region})
		sigma := 0.35
		if i < 12 { // the small demo's sites keep their rank (Paris biggest)
			sigma = 0.12
		}
		weights[i] = c.weight * lognormal(r, sigma)
	}
	// Profiles: the first site (Paris, the head office) is ordinary or
	// better; the others are shuffled and dealt out.
	order := r.Perm(n - 1)
	k := 0
	deal := func(count int, p profile) {
		for j := 0; j < count && k < len(order); j++ {
			w.sites[order[k]+1].prof = p
			k++
		}
	}
	deal(w.spec.noAmbassador, noAmbassador)
	deal(w.spec.drop, dropping)
	deal(w.spec.slowS, slow)
	deal(w.spec.excellent, excellent)
	var total float64
	for _, v := range weights {
		total += v
	}
	for i := range w.sites {
		s := &w.sites[i]
		s.spec = specOf(s.prof)
		people := max(60, int(math.Round(float64(w.spec.people)*weights[i]/total)))
		s.people = make([]int32, 0, people)
		// headcount: employees, a few of whom never joined the platform.
		s.headcount = int(math.Round(float64(people) * (1.02 + 0.08*r.Float64())))
	}
}

func (w *world) buildPeople() {
	r := w.rng(streamPeople)
	for i := range w.sites {
		s := &w.sites[i]
		n := cap(s.people)
		for range n {
			p := person{site: int32(i), first: uint8(r.IntN(len(w.first))), last: uint8(r.IntN(len(w.last))), since: -1, trained: -1, left: -1}
			if r.Float64() >= s.spec.dormant {
				p.w = float32(lognormal(r, 0.9) * s.spec.engage)
			}
			if r.Float64() < s.spec.quitW {
				p.quitW = true
			}
			if r.Float64() < 0.01 { // left the company during the activity export
				p.left = int16(between(r, dayAct, dayD))
			}
			if r.Float64() < s.spec.joiners { // joined the platform lately: MAU grows
				p.from = int16(between(r, dayW-20, dayD-7))
			}
			s.people = append(s.people, int32(len(w.people)))
			w.people = append(w.people, p)
		}
	}
	// Head office: sponsors and most of the core team; a few core team
	// members in other sites.
	hq := &w.sites[0]
	for j := 0; j < w.spec.sponsors; j++ {
		p := &w.people[hq.people[j]]
		p.role, p.w, p.quitW, p.left, p.from = roleSponsor, float32(0.5+r.Float64()), false, -1, 0
	}
	for j := 0; j < w.spec.coreTeam; j++ {
		var idx int32
		if j%2 == 0 {
			idx = hq.people[w.spec.sponsors+j]
		} else {
			s := &w.sites[1+r.IntN(len(w.sites)-1)]
			idx = s.people[len(s.people)-1-j]
		}
		p := &w.people[idx]
		p.role, p.w, p.quitW, p.left, p.from = roleCoreTeam, float32(2+2*r.Float64()), false, -1, 0
		p.trained = int16(between(r, dayStart-20, dayStart+5))
		w.core = append(w.core, idx)
	}
	for i := range w.sites {
		w.appointAmbassadors(r, i)
	}
	// A handful of contractors whose site is not in sites.
	for range max(3, w.spec.people/5000) {
		w.people = append(w.people, person{site: -1, w: float32(lognormal(r, 0.5)), first: uint8(r.IntN(len(w.first))), last: uint8(r.IntN(len(w.last))), since: -1, trained: -1, left: -1})
	}
	ws := make([]float64, len(w.people))
	for i, p := range w.people {
		ws[i] = float64(p.w)
	}
	w.cdf = cumulate(ws)
	w.totalW = w.cdf[len(w.cdf)-1]
	for i := range w.sites {
		s := &w.sites[i]
		sw := make([]float64, len(s.people))
		for j, pi := range s.people {
			sw[j] = float64(w.people[pi].w)
		}
		s.cdf = cumulate(sw)
	}
}

// appointAmbassadors names one ambassador per 50-150 people of site i.
func (w *world) appointAmbassadors(r *rand.Rand, i int) {
	s := &w.sites[i]
	n := len(s.people)
	ratio := s.spec.ratioLo + (s.spec.ratioHi-s.spec.ratioLo)*r.Float64()
	count := int(math.Round(float64(n) / ratio))
	count = max(count, (s.headcount+149)/150)
	count = min(count, n/50)
	count = max(count, 1)
	for _, j := range r.Perm(n) {
		if len(s.ambassadors) == count {
			break
		}
		pi := s.people[j]
		p := &w.people[pi]
		if p.role != roleCollaborator {
			continue
		}
		first := len(s.ambassadors) == 0
		p.role = roleAmbassador
		p.w = float32(max(float64(p.w), 0.5)*3) * float32(s.spec.engage)
		p.left, p.from = -1, 0
		p.quitW = r.Float64() < s.spec.ambQuitW && (!first || s.prof == noAmbassador)
		switch u := r.Float64(); {
		case u < 0.2: // pilot ambassadors, before the program
			p.since = int16(between(r, dayStart-30, dayStart-1))
		case u < 0.9: // the recruiting phase
			p.since = int16(between(r, dayStart+21, dayStart+35))
		default:
			p.since = int16(between(r, dayStart+36, dayD-5))
		}
		if r.Float64() < 0.85 {
			p.trained = int16(min(dayD, int(p.since)+between(r, -7, 14)))
		}
		if s.prof == noAmbassador && first {
			// The first one left during W', the others went quiet.
			p.left = int16(between(r, dayWPrev, dayW-1))
			p.since = int16(min(int(p.since), int(p.left)-14))
		} else if !first && r.Float64() < 0.04 && int(p.since)+14 < dayD {
			p.left = int16(between(r, int(p.since)+14, dayD))
		}
		s.ambassadors = append(s.ambassadors, pi)
	}
}

// activeOn says whether person p may act on day (not gone quiet in W, not
// left, not dormant).
func (w *world) activeOn(pi int32, day int) bool {
	p := &w.people[pi]
	if p.w == 0 || p.quitW && day >= dayW || day < int(p.from) {
		return false
	}
	return p.left < 0 || day < int(p.left)
}

// pickSitePerson draws an engaged person of site s who may act on day, or -1.
func (w *world) pickSitePerson(r *rand.Rand, s int32, day int) int32 {
	if s < 0 {
		return w.pickPerson(r, day)
	}
	st := &w.sites[s]
	for range 12 {
		j := search(r, st.cdf)
		if j < 0 {
			return -1
		}
		if pi := st.people[j]; w.activeOn(pi, day) {
			return pi
		}
	}
	return -1
}

// pickPerson draws an engaged person of the whole group, or -1.
func (w *world) pickPerson(r *rand.Rand, day int) int32 {
	for range 12 {
		pi := int32(search(r, w.cdf))
		if pi >= 0 && w.activeOn(pi, day) {
			return pi
		}
	}
	return -1
}

func (w *world) buildChallenges() {
	r := w.rng(streamChallenges)
	for k := range w.spec.challenges {
		c := challenge{id: "DEF-" + pad(k+1, 3), site: -1, theme: uint8(r.IntN(len(w.themes)))}
		th := &w.themes[c.theme]
		c.title = pick(r, th.challenges)
		if k < 3 || k%4 == 0 { // group-wide, one after the other through the program
			c.start = int16(dayStart + 7 + 21*(k%4) + r.IntN(7))
			c.title += " " + itoa(w.clock.day(int(c.start)).y)
		} else {
			c.site = int32(r.IntN(len(w.sites)))
			c.start = int16(between(r, dayStart-40, dayD-10))
			c.title += " — " + w.sites[c.site].name
		}
		c.end = c.start + int16(between(r, 21, 45))
		w.chals = append(w.chals, c)
	}
}

// buildIdeas draws each site's ideas (day, time, author), then sorts them
// in time order and numbers them.
func (w *world) buildIdeas() {
	r := w.rng(streamIdeas)
	var totalRate float64
	for i := range w.sites {
		s := &w.sites[i]
		totalRate += float64(len(s.people)) * s.spec.ideaRate
		ws := make([]float64, dayD+1)
		for d := range ws {
			v := 0.45
			if d >= dayStart {
				v = 0.7 + 0.6*float64(d-dayStart)/float64(dayD-dayStart)
			}
			if isWeekend(w.clock.day(d).weekday) {
				v *= 0.12
			}
			if d >= dayW {
				v *= s.spec.ideaW
			}
			ws[d] = v
		}
		s.ideaCDF = cumulate(ws)
	}
	groupIdeas := max(2, w.spec.ideas/500)
	for i := range w.sites {
		s := &w.sites[i]
		n := int(math.Round(float64(w.spec.ideas-groupIdeas) * float64(len(s.people)) * s.spec.ideaRate / totalRate))
		for range n {
			w.ideas = append(w.ideas, w.newIdea(r, int32(i), s.ideaCDF))
		}
	}
	for range groupIdeas {
		w.ideas = append(w.ideas, w.newIdea(r, -1, w.sites[0].ideaCDF))
	}
	slices.SortStableFunc(w.ideas, func(a, b idea) int {
		if a.created != b.created {
			return int(a.created - b.created)
		}
		return int(a.site - b.site)
	})
}

func (w *world) newIdea(r *rand.Rand, s int32, cdf []float64) idea {
	day := search(r, cdf)
	sec := between(r, 7*60+30, 19*60+30) * 60 // minutes: the French export has no seconds
	it := idea{created: int32(day*daySec + sec), site: s, decided: -1, prior: -1, implemented: -1, answerAt: -1,
		answerBy: -1, solves: -1, replicates: -1, challenge: -1}
	switch u := r.Float64(); {
	case u < 0.003:
		it.author = -1
	case u < 0.005:
		it.author = -2
	default:
		it.author = w.pickSitePerson(r, s, day)
	}
	return it
}
