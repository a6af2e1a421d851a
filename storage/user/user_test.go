package user

import "testing"

func TestRoleMay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		role Role
		act  Action
		want bool
	}{
		{Admin, Configure, true},
		{Admin, Send, true},
		{Admin, ManageUsers, true},
		{Support, Read, true},
		{Support, EditLead, true},
		{Support, Requeue, true},
		{Support, Sweep, true},
		{Support, Resume, true},
		{Support, DryRun, true},
		{Support, Send, false},
		{Support, ReadSecrets, false},
		{Support, Configure, false},
		{Support, ManageUsers, false},
		{Role("guest"), Read, false},
	}
	for _, tt := range tests {
		if got := tt.role.May(tt.act); got != tt.want {
			t.Errorf("%s.May(%s) = %v, want %v", tt.role, tt.act, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Role{"admin": Admin, " Support ": Support} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) gave no error")
	}
}
