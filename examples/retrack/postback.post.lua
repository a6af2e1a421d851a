-- Status updates to POST /api/v2/leads/{uuid}: 200 is done.
if response.code == 0 then
  return result -- the pre script sent nothing, and says why
end
if response.code == 200 then
  return true
end
-- Retrack keeps an approved lead approved and refuses to change it; an
-- answer like that (or a lead Retrack does not know) will not change by
-- sending again, so it is logged and counted as done. A wrong token (401,
-- 403) or a busy server is sent again a minute later.
local c = response.code
if c >= 400 and c < 500 and c ~= 401 and c ~= 403 and c ~= 408 and c ~= 429 then
  log("Retrack refused the update: " .. c .. " " .. result)
  return "refused " .. c
end
return nil
