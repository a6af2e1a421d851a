-- Reads SalesRender's answer to addOrder (seed 000):
-- {"data":{"orderMutation":{"addOrder":{"id":84921}}}} makes 84921 the ext.
-- GraphQL errors come as {"errors":[{"message":"…"}]}: a duplicate cancels
-- the lead with reason 7, a phone SalesRender refuses with reason 1; any
-- other error is logged and the lead is sent again a minute later.
local r = json.decode(result)
if type(r) ~= "table" then
  log("SalesRender answered " .. response.code .. " without JSON")
  return nil
end
local m = type(r.data) == "table" and r.data.orderMutation
local order = type(m) == "table" and m.addOrder
if type(order) == "table" and order.id then
  return order.id
end
for _, e in ipairs(r.errors or {}) do
  local message = tostring(e.message)
  log("SalesRender: " .. message)
  local lower = string.lower(message)
  if string.find(lower, "duplicate", 1, true) then
    return -7
  end
  if string.find(lower, "phone", 1, true) then
    return -1
  end
end
return nil
