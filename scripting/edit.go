package scripting

// LeadEdit holds the fields a script set with lead.edit; nil pointers are unset.
type LeadEdit struct {
	Ext     *string
	Comment *string
	Meta    map[string]string
}
