-- A lead that reached packaging without a registered click (an admin moved
-- it on before addClick went through) has nothing to convert: no request,
-- and the conversion counts as done.
if o.ext_oid == "" then
  url = false
  result = "no AffiliatePro click: nothing to convert"
end
