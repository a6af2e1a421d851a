-- Reads SalesRender's answer to the check's ordersFetcher query, after an
-- addOrder that timed out: {"data":{"ordersFetcher":{"orders":[{"id":84921}]}}}
-- means SalesRender has the order, and 84921 is the ext; no orders means it
-- has none, and the lead is sent again. An answer that is not that (an
-- error, a page of HTML) fails the check, which runs again a minute later.
local r = json.decode(result)
local f = type(r) == "table" and type(r.data) == "table" and r.data.ordersFetcher
if type(f) ~= "table" or type(f.orders) ~= "table" then
  error("SalesRender answered " .. response.code .. " without orders: " .. string.sub(result, 1, 200))
end
local order = f.orders[1]
return order and order.id
