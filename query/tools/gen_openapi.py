import json
THEMES=["fears","frustrations","disappointments","joys","desires","confusion"]
def p(name, desc, schema, required=False, explode=None):
    d={"name":name,"in":"query","description":desc,"required":required,"schema":schema}
    return d
params={
 "topic1": p("topic","Topic id (lowercase a-z 0-9 . _ -).",{"type":"string","pattern":"^[a-z0-9][a-z0-9._-]{0,63}$"},True),
 "topics": p("topic","Topic ids, comma-separated (default: every topic).",{"type":"string","maxLength":64}),
 "period": p("period","Period length ending at `to` (default today): Nd, Nw or Nm (30-day months); at most 732 days. Default 30d. Not with `from`.",{"type":"string","pattern":"^[1-9][0-9]{0,3}[dwm]$"}),
 "from": p("from","First day included (UTC), YYYY-MM-DD.",{"type":"string","format":"date"}),
 "to": p("to","Last day included (UTC), YYYY-MM-DD. Default today.",{"type":"string","format":"date"}),
 "source": p("source","Sources, comma-separated (repeatable), at most 20.",{"type":"string","maxLength":64}),
 "lang": p("lang","Languages (BCP 47, lowercase), comma-separated, at most 20.",{"type":"string","maxLength":64}),
 "sentiment": p("sentiment","Only mentions whose topic sentiment is negative (< -0.2), neutral or positive (> 0.2).",{"type":"string","enum":["negative","neutral","positive"]}),
 "themes": p("theme","Themes, comma-separated.",{"type":"string","maxLength":64}),
 "theme1": p("theme","One theme.",{"type":"string","enum":THEMES},True),
 "themeopt1": p("theme","At most one theme: share of voice within it.",{"type":"string","enum":THEMES}),
 "interval": p("interval","Bucket: day, or ISO week (starting Monday).",{"type":"string","enum":["day","week"],"default":"day"}),
 "authors": p("authors","true: also distinct authors (of each trend point, or of each share-of-voice topic; approximate above 16, slower); the k-anonymity check is made either way.",{"type":"string","enum":["true","false"],"default":"false"}),
 "by": p("by","Movers per topic x theme or per topic x entity.",{"type":"string","enum":["theme","entity"],"default":"theme"}),
 "min_volume": p("min_volume","A row needs at least this many posts in one of the two periods.",{"type":"integer","minimum":1,"maximum":1000000,"default":10}),
 "alpha": p("alpha","Significance level of the two-sided two-proportion z-test.",{"type":"number","minimum":0.000001,"maximum":0.5,"default":0.05}),
 "limit_movers": p("limit","Rows to return (at most query.max_rows).",{"type":"integer","minimum":1,"default":50}),
 "kind": p("kind","Entities, terms or both.",{"type":"string","enum":["both","entities","terms"],"default":"both"}),
 "min_count": p("min_count","Minimum posts in the topic x theme mentioning the driver.",{"type":"integer","minimum":1,"maximum":1000000,"default":5}),
 "limit_drivers": p("limit","Drivers per list (at most 1000 and query.max_rows).",{"type":"integer","minimum":1,"default":20}),
 "order": p("order","recent: newest first; typical: closest to the group's average sentiment first.",{"type":"string","enum":["recent","typical"],"default":"recent"}),
 "by_breakdown": p("by","Split by source or by language.",{"type":"string","enum":["source","lang"]},True),
 "themeopt_b": p("theme","At most one theme: the split of that theme's posts.",{"type":"string","enum":THEMES}),
 "limit_quotes": p("limit","Quotes to return.",{"type":"integer","minimum":1,"maximum":50,"default":5}),
}
def ref(n): return {"$ref":"#/components/parameters/"+n}
def sref(n): return {"$ref":"#/components/schemas/"+n}
common=["period","from","to","source","lang","sentiment"]
num={"type":"number"}; integer={"type":"integer","minimum":0}; string={"type":"string"}
def obj(props, required=None):
    return {"type":"object","additionalProperties":False,"required":required if required is not None else list(props),"properties":props}
period=obj({"from":{"type":"string","format":"date"},"to":{"type":"string","format":"date"}})
stats={"posts":integer,"authors":integer,"avg_sentiment":num}
schemas={
 "Period":period,
 "Stats":obj(dict(stats)),
 "ThemeRow":obj({"theme":{"type":"string","enum":THEMES},**stats,"share":num}),
 "ThemesResult":obj({"topic":string,"period":sref("Period"),"volume":{"oneOf":[sref("Stats"),{"type":"null"}]},"themes":{"type":"array","items":sref("ThemeRow")},"suppressed":integer,"min_authors":integer}),
 "TrendRow":obj({"start":{"type":"string","format":"date"},"series":{"type":"string","description":"all, or a theme"},"posts":integer,"authors":{**integer,"description":"only with authors=true"},"avg_sentiment":num},["start","series","posts","avg_sentiment"]),
 "SOVTheme":obj({"theme":{"type":"string","enum":THEMES},"posts":integer,"share":num,"avg_sentiment":num}),
 "TrendResult":obj({"topic":string,"period":sref("Period"),"interval":{"type":"string","enum":["day","week"]},"rows":{"type":"array","items":sref("TrendRow")},"suppressed":integer,"truncated":{"type":"boolean"},"min_authors":integer}),
 "MoverRow":obj({"topic":string,"theme":string,"entity":string,"entity_type":string,"posts":integer,"prev_posts":integer,"share":num,"prev_share":num,"lift":{"type":["number","null"]},"z":num,"p":num,"significant":{"type":"boolean"}},
     ["topic","posts","prev_posts","share","prev_share","lift","z","p","significant"]),
 "MoversResult":obj({"period":sref("Period"),"previous":sref("Period"),"by":{"type":"string","enum":["theme","entity"]},"rows":{"type":"array","items":sref("MoverRow")},"suppressed":integer,"truncated":{"type":"boolean"},"min_authors":integer}),
 "DriverRow":obj({"name":string,"type":string,"count":integer,"baseline":integer,"authors":integer,"lift":num,"z":num,"p":num},["name","count","baseline","authors","lift","z","p"]),
 "DriversResult":obj({"topic":string,"theme":string,"period":sref("Period"),"theme_posts":integer,"topic_posts":integer,"entities":{"type":"array","items":sref("DriverRow")},"terms":{"type":"array","items":sref("DriverRow")},"sampled":{"type":"boolean"},"terms_sampled":{"type":"boolean","description":"Same as sampled (its first name)."},"theme_sample":{**integer,"description":"posts of the topic x theme the analysis read (the most recent ones)"},"topic_sample":{**integer,"description":"posts of the topic the analysis read (the most recent ones)"},"suppressed":integer,"min_authors":integer}),
 "Quote":obj({"text":string,"source":string,"lang":string,"day":{"type":"string","format":"date"},"sentiment":num,"similar":integer}),
 "QuotesResult":obj({"topic":string,"theme":string,"period":sref("Period"),"order":{"type":"string","enum":["recent","typical"]},"quotes":{"type":"array","items":sref("Quote")},"suppressed":{"type":"boolean"},"min_authors":integer}),
 "SOVRow":obj({"topic":string,"posts":integer,"authors":{**integer,"description":"only with authors=true"},"avg_sentiment":num,"share":num,"themes":{"type":"array","items":sref("SOVTheme")}},["topic","posts","avg_sentiment","share","themes"]),
 "SOVResult":obj({"period":sref("Period"),"theme":string,"total":integer,"rows":{"type":"array","items":sref("SOVRow")},"suppressed":integer,"truncated":{"type":"boolean"},"min_authors":integer},
     ["period","total","rows","suppressed","truncated","min_authors"]),
 "BreakdownRow":obj({"key":string,**stats,"share":num}),
 "BreakdownResult":obj({"topic":string,"theme":string,"by":{"type":"string","enum":["source","lang"]},"period":sref("Period"),"rows":{"type":"array","items":sref("BreakdownRow")},"suppressed":integer,"min_authors":integer},
     ["topic","by","period","rows","suppressed","min_authors"]),
 "Error":obj({"error":obj({"status":{"type":"integer"},"code":{"type":"string","enum":["invalid_parameter","unauthorized","forbidden","not_found","method_not_allowed","rate_limited","timeout","unavailable","internal"]},"message":string,"param":string,"allowed":string},["status","code","message"])}),
}
def err(desc): return {"description":desc,"content":{"application/json":{"schema":sref("Error")}}}
errs={"400":err("Invalid parameter: `param` names it and `allowed` says what is accepted."),
      "401":err("Missing, unknown or revoked token."),"403":err("The token lacks the read scope."),
      "405":err("Method not allowed."),"429":err("Per-token rate limit exceeded; see Retry-After."),
      "503":err("ClickHouse is unavailable or the query exceeded query.timeout; see Retry-After.")}
def op(summary, desc, plist, result, opid):
    return {"get":{"operationId":opid,"summary":summary,"description":desc,"parameters":[ref(x) for x in plist],
      "responses":{"200":{"description":"OK","content":{"application/json":{"schema":sref(result)}}},**errs}}}
K="Groups (and quotes' topic x theme) with fewer than privacy.min_authors distinct authors are suppressed and counted in `suppressed`."
paths={
 "/api/v1/themes":op("Theme breakdown of a topic","Posts, share of the topic's volume, distinct authors and average sentiment per theme. "+K,["topic1"]+common+["themes"],"ThemesResult","themes"),
 "/api/v1/trend":op("Volume, sentiment and themes over time","One row per bucket and series (`all` = the topic's volume, else a theme). "+K,["topic1"]+common+["themes","interval","authors"],"TrendResult","trend"),
 "/api/v1/movers":op("What changed versus the previous period","Share of the topic's volume per topic x theme (or x entity) in the period and in the previous period of equal length, lift and a two-proportion z-test. "+K,["topics"]+common+["themes","by","min_volume","alpha","limit_movers"],"MoversResult","movers"),
 "/api/v1/drivers":op("Entities and terms over-represented in a topic x theme","Lift against the topic baseline with counts. Reads at most the 5,000 most recent posts of the topic x theme and of the topic (`sampled`, `theme_sample`, `topic_sample`). "+K,["topic1","theme1"]+common+["kind","min_count","limit_drivers"],"DriversResult","drivers"),
 "/api/v1/quotes":op("Representative anonymized posts","Picked among the 500 most recent posts of the topic x theme; near-duplicates collapsed, at most half from one source. Nothing when the topic x theme has fewer than privacy.min_authors distinct authors.",["topic1","theme1"]+common+["order","limit_quotes"],"QuotesResult","quotes"),
 "/api/v1/sov":op("Share of voice and topic comparison","Each topic's volume, its share of the listed topics' total and its theme mix. "+K,["topics"]+common+["themeopt1","authors"],"SOVResult","sov"),
 "/api/v1/breakdown":op("A topic's posts by source or language","Posts, distinct authors, average sentiment and share per source (or language). "+K,["topic1"]+common+["themeopt_b","by_breakdown"],"BreakdownResult","breakdown"),
 "/api/v1/openapi.json":{"get":{"operationId":"openapi","summary":"This document","parameters":[],"responses":{"200":{"description":"OpenAPI 3 document","content":{"application/json":{"schema":{"type":"object"}}}},"401":errs["401"],"403":errs["403"],"429":errs["429"]}}},
}
doc={"openapi":"3.1.0","info":{"title":"Undertone query API","version":"1.0.0",
  "description":"Consumer-insight queries over anonymized posts. Every endpoint needs `Authorization: Bearer <token>` with the read scope; /healthz and /readyz (outside this API) are public. Responses are gzip-compressed when the client accepts it."},
  "servers":[{"url":"/"}],
  "security":[{"bearer":[]}],
  "paths":paths,
  "components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},"parameters":params,"schemas":schemas}}
print(json.dumps(doc,indent=2))
