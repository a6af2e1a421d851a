-- Reads SalesRender's answer to addLead: the lead's id there is the ext.
-- A duplicate on the first attempt cancels the lead (reason 7). On a later
-- attempt it is our own earlier attempt, which went through although its
-- answer was lost (the externalId is the same): the lead goes to processing
-- under its own id. Any other error is logged and sent again in a minute.
local r = json.decode(result)
if type(r) ~= "table" then
  log("SalesRender answered " .. response.code .. " without JSON")
  return nil
end
local m = type(r.data) == "table" and r.data.leadMutation
local added = type(m) == "table" and m.addLead
if type(added) == "table" and added.id then
  return added.id
end
for _, e in ipairs(r.errors or {}) do
  local message = tostring(e.message)
  log("SalesRender: " .. message)
  if string.find(string.lower(message), "duplicate", 1, true) then
    if o.attempts > 0 then
      log("a duplicate on attempt " .. (o.attempts + 1) .. ": an earlier attempt went through")
      return true
    end
    return -7
  end
end
return nil
