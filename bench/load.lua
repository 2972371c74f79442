-- bench/load.lua: wrk script for bench/load.sh: cycles through realistic analyst queries
-- (GET /search, k=10, snippets on) and counts every non-200 answer as an error.
local queries = {
  "телемедицин*",
  "цифровой помощник ученика",
  "\"библиотека цифрового образовательного контента\"",
  "искусственный интеллект",
  "платформа обратной связи",
  "цифровые компетенции кадры",
  "здравоохранение section:proekty",
  "умный город",
  "электронный документооборот",
  "+беспилотные -авиационные",
  "геоинформационная система",
  "центр обработки данных",
  "образование region:stavropol",
  "кибербезопасность OR информационная безопасность",
  "сельское хозяйство цифровизация",
  "госуслуги",
}

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for i, q in ipairs(queries) do paths[i] = "/search?k=10&q=" .. urlencode(q) end

local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.timeout + e.status))
end
