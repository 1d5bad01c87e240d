package demo

// profile is how a site behaves: most are ordinary, a few excel and a few
// struggle in one of the three ways the issue names.
type profile uint8

const (
	normal profile = iota
	excellent
	noAmbassador // ambassadors appointed but none active in W
	dropping     // participation falls: W' much busier than W
	slow         // ideas wait for weeks without decision or answer
)

func (p profile) String() string {
	return [...]string{"normal", "excellent", "no_ambassador", "dropping", "slow"}[p]
}

// profileSpec holds the knobs of a profile.
type profileSpec struct {
	dormant        float64 // share of collaborators never active
	engage         float64 // multiplier of engagement
	quitW          float64 // share of collaborators who stop in W
	ambQuitW       float64 // share of ambassadors (but the first) inactive in W
	actW           float64 // activity rate in W relative to before
	ratioLo        float64 // people per ambassador, drawn in [ratioLo, ratioHi]
	ratioHi        float64
	ideaRate       float64 // ideas per person relative to the group
	ideaW          float64 // idea rate in W relative to before
	decideProb     float64 // share of program ideas that get a decision
	decideMedian   float64 // median days to the decision (program period)
	answerProb     float64 // share of program ideas an ambassador answers
	answerMedian   float64 // median days to that answer
	votes          float64 // votes multiplier
	comments       float64 // comments multiplier
	replicate      float64 // share of program ideas that replicate another site's
	scored         float64 // share of reviewed ideas with impact and feasibility
	surveyProb     float64 // share of ambassadors answering a survey campaign
	scoreLo, scHi  int     // survey scores drawn in [scoreLo, scHi]
	crossSiteVotes float64 // share of votes and comments from other sites
	joiners        float64 // share of collaborators who join the platform lately
}

func specOf(p profile) profileSpec {
	s := profileSpec{dormant: 0.30, engage: 1, quitW: 0.03, ambQuitW: 0.10, actW: 1.05, ratioLo: 75, ratioHi: 120,
		ideaRate: 1, ideaW: 1.05, decideProb: 0.92, decideMedian: 9, answerProb: 0.72, answerMedian: 2.5,
		votes: 1, comments: 1, replicate: 0.04, scored: 0.85, surveyProb: 0.7, scoreLo: 6, scHi: 10, crossSiteVotes: 0.15, joiners: 0.08}
	switch p {
	case excellent:
		s.dormant, s.engage, s.quitW, s.ambQuitW, s.actW = 0.15, 1.6, 0.01, 0, 1.2
		s.ratioLo, s.ratioHi = 55, 80
		s.ideaRate, s.ideaW, s.decideProb, s.decideMedian = 2.0, 1.2, 0.97, 3.5
		s.answerProb, s.answerMedian = 0.95, 0.6
		s.votes, s.comments, s.replicate, s.scored = 1.6, 1.5, 0.12, 0.97
		s.surveyProb, s.scoreLo, s.scHi, s.crossSiteVotes = 0.9, 7, 10, 0.25
		s.joiners = 0.15
	case noAmbassador:
		s.dormant, s.engage, s.quitW, s.ambQuitW, s.actW = 0.45, 0.7, 0.05, 1, 0.85
		s.ratioLo, s.ratioHi = 110, 145
		s.ideaRate, s.ideaW, s.decideProb, s.decideMedian = 0.15, 0.3, 0.5, 25
		s.answerProb, s.answerMedian = 0.1, 12
		s.votes, s.comments, s.replicate, s.scored = 0.5, 0.5, 0.01, 0.5
		s.surveyProb, s.scoreLo, s.scHi, s.crossSiteVotes = 0.3, 2, 7, 0.05
		s.joiners = 0
	case dropping:
		s.dormant, s.engage, s.quitW, s.ambQuitW, s.actW = 0.40, 0.9, 0.65, 0.5, 0.45
		s.ratioLo, s.ratioHi = 100, 140
		s.ideaRate, s.ideaW, s.decideProb, s.decideMedian = 0.7, 0.3, 0.8, 14
		s.answerProb, s.answerMedian = 0.45, 5
		s.votes, s.comments, s.replicate, s.scored = 0.8, 0.7, 0.02, 0.7
		s.surveyProb, s.scoreLo, s.scHi, s.crossSiteVotes = 0.5, 3, 8, 0.1
		s.joiners = 0
	case slow:
		s.dormant, s.engage, s.quitW, s.ambQuitW, s.actW = 0.75, 0.8, 0.05, 0.4, 0.95
		s.ratioLo, s.ratioHi = 110, 145
		s.ideaRate, s.ideaW, s.decideProb, s.decideMedian = 0.8, 1, 0.3, 40
		s.answerProb, s.answerMedian = 0.06, 20
		s.votes, s.comments, s.replicate, s.scored = 0.7, 0.6, 0.01, 0.5
		s.surveyProb, s.scoreLo, s.scHi, s.crossSiteVotes = 0.5, 1, 7, 0.08
		s.joiners = 0
	}
	return s
}
