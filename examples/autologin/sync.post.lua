-- The synchronous registration, written as seed 001's "complete processing
-- code": the landing page waits for this answer.
--   ok, with a login URL   → the visitor goes there; the lead stays new
--   ok, without a URL      → the lead goes the classic way
--   a message              → shown to the visitor; the lead is deleted
--   duplicate, ban, traffic → cancelled with reason 7, 12 or 15
--   anything else          → 'Registration failed, try again later'
-- On ok the broker's id is kept at once (lead.edit exto): a new lead with
-- an ext is not sent again, so the classic send moves it to processing
-- without a request. An answer that is not JSON, or a server error, is a
-- sending error: the lead goes the classic way (the seed would show the
-- visitor 'Registration failed' and lose the lead).
local r = json.decode(result)
if type(r) ~= "table" or response.code >= 500 then
  log("the broker answered " .. response.code .. ": the lead goes the classic way")
  return nil
end
if r.status == "ok" then
  lead.edit(o.order_id, {exto = r.id})
  return r.url or false
end
if r.message then
  return r.message
end
if r.error == "duplicate" then
  return -7
end
if r.error == "ban" then
  return -12
end
if r.error == "traffic" then
  return -15
end
return "Registration failed, try again later"
