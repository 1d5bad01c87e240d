package ingest

import (
	"bytes"
	"io"
)

// xmlBounds are the shapes an XML part of a workbook may take before
// excelize reads it. Go's XML decoder holds each token whole (a run of
// text, a tag, a comment) and one stack entry per open element, and
// excelize holds a row (or a shared string) whole: bounding those bounds
// the memory of reading the part, whatever its size.
type xmlBounds struct {
	// token bounds a text run, a tag, a comment, CDATA, a processing
	// instruction.
	token int64
	// record bounds one element named recordName (a row, a shared string).
	record     int64
	recordName string
	// records bounds how many recordName elements there are (0: no bound);
	// recordsAre names them in messages.
	records    int64
	recordsAre string
	// elements bounds the number of elements (0: no bound): a part that
	// excelize parses whole into structures costs hundreds of bytes per
	// element, whatever their size.
	elements int64
	// depth bounds the nesting of elements.
	depth int
}

// maxXMLDepth is far above what spreadsheet XML nests (about 8).
const maxXMLDepth = 64

const (
	stText = iota
	stOpen
	stName
	stTag
	stQuote
	stBang
	stComment
	stCDATA
	stPI
)

// xmlScanner checks a stream against xmlBounds without holding more than a
// few bytes of it. It does not validate XML: whatever it lets through, the
// decoder's tokens, stack and records are within bounds.
type xmlScanner struct {
	b        xmlBounds
	pos      int64 // bytes consumed before the current chunk
	state    int
	tokStart int64
	name     [16]byte
	nameLen  int
	nameLong bool
	endTag   bool
	prev     byte // last byte of a tag outside quotes ("/>" closes it)
	quote    byte
	bang     [7]byte
	bangLen  int
	tail     [2]byte // the two bytes before, for "-->", "]]>", "?>"
	depth    int
	elements int64
	records  int64
	inRecord bool
	recStart int64
	recDepth int
}

func newXMLScanner(b xmlBounds) *xmlScanner { return &xmlScanner{b: b} }

// scanXML reads r to its end through the scanner and returns how many
// elements it holds.
func scanXML(r io.Reader, b xmlBounds) (int64, error) {
	s := newXMLScanner(b)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if werr := s.write(buf[:n]); werr != nil {
				return s.elements, werr
			}
		}
		if err == io.EOF {
			return s.elements, nil
		}
		if err != nil {
			return s.elements, err
		}
	}
}

func (s *xmlScanner) write(p []byte) error {
	i := 0
	for i < len(p) {
		at := s.pos + int64(i)
		switch s.state {
		case stText:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j
			if err := s.checkToken(s.pos + int64(i)); err != nil {
				return err
			}
			s.state, s.tokStart = stOpen, s.pos+int64(i)
			s.nameLen, s.nameLong, s.endTag, s.prev = 0, false, false, 0
			i++
		case stOpen:
			switch c := p[i]; c {
			case '/':
				s.endTag = true
				s.state = stName
			case '!':
				s.state, s.bangLen = stBang, 0
			case '?':
				s.state, s.tail = stPI, [2]byte{}
			default:
				s.state = stName
				s.addName(c)
			}
			i++
		case stName:
			c := p[i]
			if c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				s.state = stTag
				continue
			}
			s.addName(c)
			i++
		case stTag:
			c := p[i]
			switch c {
			case '"', '\'':
				s.quote, s.state = c, stQuote
			case '>':
				if err := s.closeTag(at); err != nil {
					return err
				}
				s.state, s.tokStart = stText, at+1
			}
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				s.prev = c
			}
			i++
		case stQuote:
			j := bytes.IndexByte(p[i:], s.quote)
			if j < 0 {
				i = len(p)
				continue
			}
			i += j + 1
			s.state, s.prev = stTag, s.quote
		case stBang:
			s.bang[s.bangLen] = p[i]
			s.bangLen++
			i++
			got := string(s.bang[:s.bangLen])
			switch {
			case got == "--":
				s.state, s.tail = stComment, [2]byte{}
			case got == "[CDATA[":
				s.state, s.tail = stCDATA, [2]byte{}
			case len(got) <= 2 && got == "--"[:len(got)], got == "[CDATA["[:len(got)]:
			default:
				// A DOCTYPE: spreadsheets have none, and the decoder
				// would hold it whole.
				return limitf("a DOCTYPE or other declaration, which no workbook holds")
			}
		case stComment, stCDATA, stPI:
			c := p[i]
			i++
			end := false
			switch s.state {
			case stComment:
				end = c == '>' && s.tail == [2]byte{'-', '-'}
			case stCDATA:
				end = c == '>' && s.tail == [2]byte{']', ']'}
			case stPI:
				end = c == '>' && s.tail[1] == '?'
			}
			s.tail = [2]byte{s.tail[1], c}
			if end {
				if err := s.checkToken(at + 1); err != nil {
					return err
				}
				s.state, s.tokStart = stText, at+1
			}
		}
	}
	s.pos += int64(len(p))
	if err := s.checkToken(s.pos); err != nil {
		return err
	}
	return s.checkRecord(s.pos)
}

func (s *xmlScanner) addName(c byte) {
	if c == ':' {
		// A namespace prefix: the local name follows.
		s.nameLen, s.nameLong = 0, false
		return
	}
	if s.nameLen < len(s.name) {
		s.name[s.nameLen] = c
		s.nameLen++
	} else {
		s.nameLong = true
	}
}

func (s *xmlScanner) checkToken(at int64) error {
	if at-s.tokStart > s.b.token {
		return limitf("a piece of XML (text or tag) of more than %s at byte %d (limit limits.record_bytes)", FormatBytes(s.b.token), s.tokStart)
	}
	return nil
}

func (s *xmlScanner) checkRecord(at int64) error {
	if s.inRecord && at-s.recStart > s.b.record {
		return limitf("a %s element of more than %s at byte %d (limit limits.record_bytes)", s.b.recordName, FormatBytes(s.b.record), s.recStart)
	}
	return nil
}

// closeTag accounts for the tag that ends at position at.
func (s *xmlScanner) closeTag(at int64) error {
	if err := s.checkToken(at + 1); err != nil {
		return err
	}
	name := ""
	if !s.nameLong {
		name = string(s.name[:s.nameLen])
	}
	isRecord := s.b.recordName != "" && name == s.b.recordName
	if s.endTag {
		if isRecord && s.inRecord && s.depth == s.recDepth {
			if err := s.checkRecord(at + 1); err != nil {
				return err
			}
			s.inRecord = false
		}
		if s.depth > 0 {
			s.depth--
		}
		return nil
	}
	s.elements++
	if s.b.elements > 0 && s.elements > s.b.elements {
		return limitf("more than %d elements in the parts read whole", xlsxParsedElements)
	}
	if isRecord {
		s.records++
		if s.b.records > 0 && s.records > s.b.records {
			return limitf("more than %d %s", s.b.records, s.b.recordsAre)
		}
	}
	if s.prev == '/' {
		return nil // <x/>: opens and closes
	}
	s.depth++
	if s.depth > s.b.depth {
		return limitf("elements nested more than %d deep", s.b.depth)
	}
	if isRecord && !s.inRecord {
		s.inRecord, s.recStart, s.recDepth = true, s.tokStart, s.depth
	}
	return nil
}
