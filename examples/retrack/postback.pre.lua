-- A lead that never reached Retrack (cancelled before it was sent) has no
-- uuid to update: no request, and the postback counts as done.
if o.ext_oid == "" then
  url = false
  result = "not at Retrack: the lead has no uuid"
end
