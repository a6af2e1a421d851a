-- Retrack takes a voucher only when the order has one.
if post.voucher == "" then
  post.voucher = nil
end
