-- Load for `wrk`: walk list pages of 100 over a 100,000-contact simulator.
--   talkapp simulator --contacts 100000 --rate-limit 0 --port 18900 &
--   wrk -t2 -c8 -d5s -s bench/wrk_list_pages.lua http://127.0.0.1:18900
wrk.headers["Authorization"] = "Bearer sim-token"
counter = 0
request = function()
  counter = (counter + 100) % 99900
  return wrk.format("GET", "/crm/v3/objects/contacts?limit=100&properties=hs_lead_status,email&after=" .. (counter + 1))
end
