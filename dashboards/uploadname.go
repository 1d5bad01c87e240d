package dashboards

import (
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"
)

// maxUploadName bounds an upload's file name, in bytes: file systems take
// 255, and the name gets suffixes (FILE.rejects.csv, FILE.error.txt).
const maxUploadName = 200

// uploadName is the file name an upload part was sent with, checked: a
// name too long, with a path separator, with a control character, or that
// is "." or "..", is a paramError (a 400 that says why). A name that is not
// UTF-8 is kept as sent (a Latin-1 name from an old client): the loader
// reads it. A part sent without a name gets upload-N.
func uploadName(fh *multipart.FileHeader, n int) (string, error) {
	name := rawFileName(fh)
	if name == "" {
		return fmt.Sprintf("upload-%d", n), nil
	}
	shown := name
	if len(shown) > 60 {
		shown = shown[:60] + "…"
	}
	switch {
	case len(name) > maxUploadName:
		return "", paramError{msg: fmt.Sprintf("file name %q is %d bytes long; at most %d are accepted: rename the file", shown, len(name), maxUploadName)}
	case strings.ContainsAny(name, `/\`):
		return "", paramError{msg: fmt.Sprintf("file name %q holds a folder path; send the file's own name", shown)}
	case name == "." || name == "..":
		return "", paramError{msg: fmt.Sprintf("%q is not a file name", shown)}
	case hasControl(name):
		return "", paramError{msg: fmt.Sprintf("file name %q holds control characters: rename the file", shown)}
	}
	return name, nil
}

// rawFileName is the filename parameter of the part's Content-Disposition
// as sent: multipart.Part.FileName keeps only what follows the last slash,
// which would hide a path.
func rawFileName(fh *multipart.FileHeader) string {
	if _, params, err := mime.ParseMediaType(fh.Header.Get("Content-Disposition")); err == nil {
		if name, ok := params["filename"]; ok {
			return name
		}
	}
	return fh.Filename
}

// hasControl says whether s holds a control character: a C0 byte or DEL,
// or, when s is UTF-8, a C1 character (U+0080 to U+009F).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return true
		}
	}
	if !utf8.ValidString(s) {
		return false // a legacy 8-bit name: its high bytes are letters
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}

// bodyError is the answer to an upload whose body could not be read: 413
// past the size limit, 408 when it did not arrive in time, 400 otherwise.
func bodyError(err error) (int, string) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is larger than %d MB: drop the file into the inbox folder instead", tooLarge.Limit>>20)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout, "the upload did not arrive in time (see http.upload_timeout): try again, or drop the file into the inbox folder"
	}
	msg := err.Error() // the parser's: it may quote a whole header line
	if len(msg) > 200 {
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}
	return http.StatusBadRequest, "want a multipart/form-data body with one or more \"file\" fields: " + msg
}
