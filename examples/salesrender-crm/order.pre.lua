-- Turns the fields into SalesRender's GraphQL mutation (seed 000):
-- orderMutation.addOrder for a new lead, orderMutation.updateOrder of the
-- order {ext} when the lead's data changed. Text goes in as a JSON string,
-- which is a GraphQL string too, so a name with quotes cannot break the query.
-- addOrder carries our lead id in the order's string field lead_ref; the
-- check, after a send that timed out, asks ordersFetcher for the order
-- whose lead_ref is that id.

local function str(s)
  return json.encode(tostring(s or ""))
end

if mode == "check" then
  post = {query = "query { ordersFetcher(filters: { include: { stringFields: [{ field: \"lead_ref\" value: "
    .. str(post.ref) .. " }] } } limit: 1) { orders { id } } }"}
  return
end

-- id returns s when it is a whole number, as SalesRender's ids are, and
-- fails the attempt otherwise, saying what is wrong.
local function id(s, what)
  s = tostring(s or "")
  if not string.match(s, "^%d+$") then
    error(what .. " must be a number, not '" .. s .. "'")
  end
  return s
end

local function line(item, variation, quantity)
  return "{ itemId: " .. item .. " variation: " .. variation .. " quantity: " .. json.encode(quantity) .. " }"
end

-- The cart: each product of the order as its SalesRender item (the product
-- params sr_item and sr_variation, default 1); an order without products
-- gets the offer's sr_item, {count} of it (at least one).
local function cart()
  local skus = cpa.get("vpar", o.offer_id, "sr_item")
  local variations = cpa.get("vpar", o.offer_id, "sr_variation")
  local lines = {}
  for _, it in ipairs(items) do
    if skus[it.id] then
      local what = "product " .. it.id .. "'s "
      table.insert(lines, line(id(skus[it.id], what .. "sr_item"), id(variations[it.id] or "1", what .. "sr_variation"), it.qty))
    else
      log("product " .. it.id .. " has no sr_item param: left out of the cart")
    end
  end
  if #lines == 0 then
    table.insert(lines, line(id(post.item, "the offer's sr_item param"), "1", math.max(tonumber(post.count) or 0, 1)))
  end
  return "cart: { items: [" .. table.concat(lines, ", ") .. "] }"
end

local data = "humanNameFields: { field: \"name\" value: { firstName: " .. str(post.first)
  .. " lastName: " .. str(post.last) .. " } } phoneFields: { field: \"phone\" value: " .. str(post.phone) .. " }"
if post.ref then
  data = data .. " stringFields: { field: \"lead_ref\" value: " .. str(post.ref) .. " }"
end
data = "orderData: { " .. data .. " }"

local mutation
if mode == "changes" then
  mutation = "updateOrder(input: { id: " .. id(post.order, "the lead's ext") .. " " .. data .. " " .. cart() .. " })"
else
  local status = post.status ~= "" and post.status or "1"
  mutation = "addOrder(input: { projectId: " .. id(post.project, "the offer's sr_project param")
    .. " statusId: " .. id(status, "the offer's sr_status param") .. " " .. data .. " " .. cart() .. " })"
end
post = {query = "mutation { orderMutation { " .. mutation .. " { id } } }"}
