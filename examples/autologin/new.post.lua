-- The classic send of the same registration, every minute until it goes
-- through (at most retry.max_attempts times): the broker's id is the ext.
-- A lead the synchronous send registered has that id already, and
-- leadrelay moves it to processing without a request, so the seed's
-- "if o.ext_oid" lines are not needed here. A message (an e-mail the
-- broker refuses, say) is logged and tried again until the lead fails and
-- support looks at it; there is no visitor left to show it to.
local r = json.decode(result)
if type(r) ~= "table" or response.code >= 500 then
  log("the broker answered " .. response.code .. ": sent again in a minute")
  return nil
end
if r.status == "ok" and r.id then
  return r.id
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
log("the broker refused the registration: " .. tostring(r.message or r.error))
return nil
