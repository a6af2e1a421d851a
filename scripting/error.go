package scripting

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is how a script failed: at compile time (a syntax error) or while it
// ran (a runtime error, the time limit, the memory or stack limit, or a
// function the sandbox refuses). The dispatcher logs it and retries the lead.
type Error struct {
	// Script is the name given to Compile, e.g. "integration 7 new.post".
	Script string
	// Line is the line of the script where it failed, or 0 when unknown.
	Line int
	// Message says what went wrong, without the name and line.
	Message string
}

// Error formats e as Lua does: "integration 7 new.post:12: attempt to index a nil value".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Script, e.Line, e.Message)
	}
	return e.Script + ": " + e.Message
}

// newError turns a Lua error message into an *Error, taking the
// "name:line: " prefix that Lua puts in front of positioned messages apart.
func newError(script, msg string) *Error {
	e := &Error{Script: script, Message: msg}
	rest, ok := strings.CutPrefix(msg, script+":")
	if !ok {
		return e
	}
	digits, text, ok := strings.Cut(rest, ":")
	if line, err := strconv.Atoi(digits); ok && err == nil {
		e.Line = line
		e.Message = strings.TrimPrefix(text, " ")
	}
	return e
}
