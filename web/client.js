/* edge-verify client.js: EdgeVerify.client({baseUrl, token}) -> {sendCode, checkCode}.
 * No dependencies; fetch only. The token is a client token minted by your backend
 * (POST /v2/Services/{VA}/ClientTokens); never put account credentials in a page. */
(function (g) {
  "use strict";
  var scriptBase = "__EDGE_VERIFY_ORIGIN__"; /* the worker's origin, filled in when served */

  class EdgeVerifyError extends Error {
    constructor(status, body, retryAfter) {
      super((body && body.message) || (status ? "HTTP " + status : "Network error or origin not allowed"));
      this.name = "EdgeVerifyError";
      this.status = status;
      this.code = (body && body.code) || 0;
      this.retryAfter = retryAfter;
    }
  }

  /* The service of an `evt1.` token, read from its (signed, not secret) payload. */
  function serviceOf(token) {
    try {
      var part = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var p = JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
      return p.service_sid || p.svc || p.s || p.service || "";
    } catch (e) {
      return "";
    }
  }

  function client(options) {
    var o = options || {};
    var base = String(o.baseUrl || scriptBase || g.location.origin).replace(/\/+$/, "");
    async function post(path, params) {
      var token = typeof o.token === "function" ? await o.token() : o.token;
      var service = o.serviceSid || serviceOf(token);
      var body = new URLSearchParams();
      Object.keys(params).forEach(function (k) {
        if (params[k] != null && params[k] !== "") body.set(k, params[k]);
      });
      var res, data = null;
      try {
        res = await fetch(base + "/v2/Services/" + encodeURIComponent(service) + path, {
          method: "POST",
          headers: { authorization: "Bearer " + token, "content-type": "application/x-www-form-urlencoded" },
          body: body,
          credentials: "omit",
          referrerPolicy: "no-referrer",
        });
        data = await res.json();
      } catch (e) {
        if (!res) throw new EdgeVerifyError(0, null, null);
      }
      if (!res.ok) {
        var after = Number(res.headers.get("retry-after")) || null;
        throw new EdgeVerifyError(res.status, data, after);
      }
      return data;
    }
    return {
      sendCode: function (a) {
        return post("/Verifications", { To: a.to, Channel: a.channel || "sms", TurnstileToken: a.turnstileToken, Locale: a.locale });
      },
      checkCode: function (a) {
        return post("/VerificationCheck", { To: a.to, Code: a.code, VerificationSid: a.verificationSid });
      },
    };
  }

  g.EdgeVerify = { client: client, EdgeVerifyError: EdgeVerifyError };
})(globalThis);
