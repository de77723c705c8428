vcl 4.1;

# The HTTP cache in front of the web processes (docs/operations.md, "The label cache").
#
# It stores only what the platform marks as shareable: the label reads (the public page, the
# badge, the label lookups), which carry X-Label-Tags and Surrogate-Control. Everything else
# passes through untouched. When a label changes or an API key is revoked, the platform bans the
# answers tagged with it (labels/proxy.py, config/http_cache.py), through the second listen
# address, "purge", which only the platform reaches:
# `varnishd -a :80 -a purge=:6091 -f default.vcl`.

import std;

backend default {
    .host = "web";
    .port = "8000";
}

sub vcl_recv {
    if (req.method == "BAN") {
        if (local.socket != "purge") {
            return (synth(405, "Not allowed"));
        }
        # Tags are label:<serial>, gtin:<gtin>, cert:<number>, key:<prefix> or all; joined by "|".
        if (req.http.X-Label-Ban !~ "^[A-Za-z0-9:._-]+(\|[A-Za-z0-9:._-]+)*$") {
            return (synth(400, "Bad tags"));
        }
        if (!std.ban("obj.http.X-Label-Tags ~ (^|,)(" + req.http.X-Label-Ban + ")(,|$)")) {
            return (synth(400, std.ban_error()));
        }
        return (synth(200, "Banned"));
    }
    # Only the label reads are looked up (/labels/<serial>/, /api/v1/labels/<serial>/ and its
    # badge, /api/v1/gtins/<gtin>/labels/, /api/v1/certificates/<number>/label/, each with any
    # query); the rest of the site never waits on the cache.
    if ((req.method != "GET" && req.method != "HEAD") || req.url !~ "^(/labels/[^/]+/(\?|$)|/api/v1/(labels/[^/]+/(badge\.(svg|png))?|gtins/[^/]+/labels/|certificates/[^/]+/label/)(\?|$))") {
        return (pass);
    }
    # A signed-in visitor or a caller with a person's token gets the live answer. The badge is
    # public, so it is shared whoever asks.
    if (req.url !~ "^/api/v1/labels/[^/]+/badge\.(svg|png)(\?|$)"
        && (req.http.Cookie || (req.http.Authorization && req.http.Authorization !~ "^Api-Key "))) {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # A lookup asked with an API key is kept for that key alone: the platform checked the key
    # (and counted it) when it answered, and revoking the key bans what was kept for it. The
    # badge is the same for everyone. Then the built-in hash: the URL and the host.
    if (req.url !~ "^/api/v1/labels/[^/]+/badge\.(svg|png)(\?|$)") {
        hash_data(req.http.X-API-Key);
        hash_data(req.http.Authorization);
    }
}

sub vcl_backend_response {
    if (!beresp.http.X-Label-Tags || beresp.http.Set-Cookie || beresp.status != 200) {
        # Not shareable (a live answer, a refusal, a 404): fetched for each request, without
        # queueing behind one another; the next shareable answer replaces this mark.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # How long this cache may keep the answer (bans end it sooner); browsers and other caches
    # follow Cache-Control, which is untouched.
    set beresp.ttl = std.duration(
        regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
    set beresp.grace = 0s;
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
    unset resp.http.X-Label-Tags;
    unset resp.http.Surrogate-Control;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}
