-- Retrack answers 200 once it saved the lead, with the lead's uuid in
-- data.uuid: that uuid is the lead's ext, which the status updates need.
-- Any other answer may be retried "as many times as you need": nil sends
-- the lead again a minute later.
if response.code ~= 200 then
  log("Retrack answered " .. response.code .. ": sent again in a minute")
  return nil
end
local r = json.decode(result)
local uuid = type(r) == "table" and type(r.data) == "table" and r.data.uuid
if not uuid or uuid == "" then
  log("Retrack answered 200 without data.uuid: sent again in a minute")
  return nil
end
return uuid
