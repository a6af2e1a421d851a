-- Reads SalesRender's answer to updateOrder: the order's id back means the
-- change is in; anything else is logged and sent again a minute later.
local r = json.decode(result)
if type(r) ~= "table" then
  log("SalesRender answered " .. response.code .. " without JSON")
  return nil
end
local m = type(r.data) == "table" and r.data.orderMutation
local order = type(m) == "table" and m.updateOrder
if type(order) == "table" and order.id then
  return true
end
for _, e in ipairs(r.errors or {}) do
  log("SalesRender: " .. tostring(e.message))
end
return nil
