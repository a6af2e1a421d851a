-- Builds SalesRender's CPA mutation leadMutation.addLead (seed 000). The
-- externalId is the tracker's click id, or our lead id without one, so that
-- SalesRender knows the lead again when it comes twice; the externalTag is
-- the campaign alias, or sub1 without one. Text goes in as JSON strings,
-- which are GraphQL strings too.
local function str(s)
  return json.encode(tostring(s or ""))
end

if not string.match(post.offer, "^%d+$") then
  error("the offer's sr_offer param must be a number, not '" .. post.offer .. "'")
end
local external = post.click ~= "" and post.click or post.id
local tag = post.tag ~= "" and post.tag or post.sub1
local input = "offerId: " .. post.offer .. " externalId: " .. str(external) .. " externalTag: " .. str(tag)
  .. " data: { phone_1: " .. str(post.phone)
  .. " humanName_1: { firstName: " .. str(post.first) .. " lastName: " .. str(post.last) .. " } }"
if post.utm_source ~= "" then
  input = input .. " source: { utm_source: " .. str(post.utm_source) .. " }"
end
post = {query = "mutation { leadMutation { addLead(input: { " .. input .. " }) { id } } }"}
