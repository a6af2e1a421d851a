-- Reads SalesRender's webhook on an order's status change (seed 000), sent
-- to POST /api/v1/hooks/101?token=<secrets.hook>. The body is taken to be
--   {"order": {"id": 84921, "statusId": 3, "comment": "…"}}
-- (rename the keys if your SalesRender webhook sends others). The order id
-- is the lead's ext, statusId goes through status_map, and the call
-- centre's comment is kept on the lead (and sent on in the postbacks).
local want = secrets.hook
if not want or want == "" or request.query.token ~= want then
  error("the webhook's token is missing or wrong")
end
local body = json.decode(result)
local order = type(body) == "table" and body.order
if type(order) ~= "table" or order.id == nil then
  error("not a SalesRender order webhook: no order.id")
end
return {ext = order.id, status = order.statusId, comment = order.comment}
