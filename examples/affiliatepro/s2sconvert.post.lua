-- Reads s2sConvert's answer: the conversion id is kept as this
-- integration's id for the lead (the approved mode stores it). A conversion
-- AffiliatePro has already is done; other errors are sent again a minute
-- later.
if response.code == 0 then
  return result -- the pre script sent nothing, and says why
end
local r = json.decode(result)
if type(r) ~= "table" then
  log("AffiliatePro answered " .. response.code .. " without JSON")
  return nil
end
if r.status == "success" and type(r.data) == "table" and r.data.conversion_id then
  return r.data.conversion_id
end
local message = tostring(r.message)
log("AffiliatePro: " .. message)
if string.find(string.lower(message), "already", 1, true) then
  return "already converted"
end
return nil
