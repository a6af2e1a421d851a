-- Reads addClick's answer: the click id AffiliatePro gives the visit is the
-- lead's ext, against which s2sConvert later reports the sale. A blocked
-- affiliate cancels the lead (reason 12, banned); any other error is
-- logged and the click is registered again a minute later.
local r = json.decode(result)
if type(r) ~= "table" then
  log("AffiliatePro answered " .. response.code .. " without JSON")
  return nil
end
if r.status == "success" and type(r.data) == "table" and r.data.click_id then
  return r.data.click_id
end
local message = tostring(r.message)
log("AffiliatePro: " .. message)
if string.find(string.lower(message), "blocked", 1, true) then
  return -12
end
return nil
