// The hosted verification page (GET /verify/{VA}). Reads its client token from the fragment
// (#token=...&to=...&channel=...&redirect_uri=...&mode=popup&locale=...), never from the query,
// and calls the REST routes of this same origin with it. See docs/browser.md.
import "/v1/client.js";

const S = {
  en: {
    title: "Verify it's you", title_for: "Verify it's you for {name}", channel: "Send the code by", sms: "Text message", call: "Phone call", whatsapp: "WhatsApp", email: "Email",
    phone: "Phone number", phone_hint: "With the country code, e.g. +14155550100", email_label: "Email address", email_hint: "We will email you a code.",
    send: "Send code", code: "Enter the code", verify: "Verify", resend: "Resend code", resend_in: "Resend code in {s} s", change: "Change",
    sending: "Sending…", sent: "We sent a code to {to}.", checking: "Checking…", approved: "Verified. You can close this page.", returning: "Verified. Taking you back…",
    wrong: "That code is not right. {n} attempts left.", locked: "Too many wrong codes. Send a new code later.", expired: "This code has expired. Send a new one.",
    too_many: "Too many codes were sent. Try again later.", bot: "The bot check failed. Reload the page and try again.", link: "This link is invalid or has expired. Go back and start again.",
    invalid_to: "Check the phone number or email address.", bad_redirect: "This page was opened with a return address that is not allowed.", failed: "Something went wrong. Try again.",
  },
  es: {
    title: "Verifica que eres tú", title_for: "Verifica que eres tú para {name}", channel: "Enviar el código por", sms: "SMS", call: "Llamada", whatsapp: "WhatsApp", email: "Correo",
    phone: "Número de teléfono", phone_hint: "Con el prefijo del país, p. ej. +34600000000", email_label: "Correo electrónico", email_hint: "Te enviaremos un código por correo.",
    send: "Enviar código", code: "Introduce el código", verify: "Verificar", resend: "Reenviar código", resend_in: "Reenviar código en {s} s", change: "Cambiar",
    sending: "Enviando…", sent: "Hemos enviado un código a {to}.", checking: "Comprobando…", approved: "Verificado. Puedes cerrar esta página.", returning: "Verificado. Volviendo…",
    wrong: "El código no es correcto. Quedan {n} intentos.", locked: "Demasiados códigos incorrectos. Pide uno nuevo más tarde.", expired: "El código ha caducado. Pide uno nuevo.",
    too_many: "Se han enviado demasiados códigos. Inténtalo más tarde.", bot: "La comprobación anti-bots ha fallado. Recarga la página.", link: "Este enlace no es válido o ha caducado. Vuelve y empieza de nuevo.",
    invalid_to: "Revisa el número de teléfono o el correo.", bad_redirect: "Esta página se abrió con una dirección de retorno no permitida.", failed: "Algo ha fallado. Inténtalo de nuevo.",
  },
  fr: {
    title: "Vérifions que c'est vous", title_for: "Vérifions que c'est vous pour {name}", channel: "Recevoir le code par", sms: "SMS", call: "Appel", whatsapp: "WhatsApp", email: "E-mail",
    phone: "Numéro de téléphone", phone_hint: "Avec l'indicatif du pays, p. ex. +33600000000", email_label: "Adresse e-mail", email_hint: "Nous vous enverrons un code par e-mail.",
    send: "Envoyer le code", code: "Saisissez le code", verify: "Vérifier", resend: "Renvoyer le code", resend_in: "Renvoyer le code dans {s} s", change: "Modifier",
    sending: "Envoi…", sent: "Nous avons envoyé un code à {to}.", checking: "Vérification…", approved: "Vérifié. Vous pouvez fermer cette page.", returning: "Vérifié. Retour en cours…",
    wrong: "Ce code n'est pas le bon. Encore {n} essais.", locked: "Trop de codes erronés. Demandez un nouveau code plus tard.", expired: "Ce code a expiré. Demandez-en un nouveau.",
    too_many: "Trop de codes envoyés. Réessayez plus tard.", bot: "La vérification anti-robot a échoué. Rechargez la page.", link: "Ce lien est invalide ou a expiré. Revenez en arrière et recommencez.",
    invalid_to: "Vérifiez le numéro ou l'adresse e-mail.", bad_redirect: "Cette page a été ouverte avec une adresse de retour non autorisée.", failed: "Une erreur est survenue. Réessayez.",
  },
  de: {
    title: "Bestätigen Sie, dass Sie es sind", title_for: "Bestätigung für {name}", channel: "Code senden per", sms: "SMS", call: "Anruf", whatsapp: "WhatsApp", email: "E-Mail",
    phone: "Telefonnummer", phone_hint: "Mit Ländervorwahl, z. B. +4915100000000", email_label: "E-Mail-Adresse", email_hint: "Wir senden Ihnen einen Code per E-Mail.",
    send: "Code senden", code: "Code eingeben", verify: "Bestätigen", resend: "Code erneut senden", resend_in: "Erneut senden in {s} s", change: "Ändern",
    sending: "Wird gesendet…", sent: "Wir haben einen Code an {to} gesendet.", checking: "Wird geprüft…", approved: "Bestätigt. Sie können diese Seite schließen.", returning: "Bestätigt. Sie werden zurückgeleitet…",
    wrong: "Der Code ist falsch. Noch {n} Versuche.", locked: "Zu viele falsche Codes. Fordern Sie später einen neuen an.", expired: "Der Code ist abgelaufen. Fordern Sie einen neuen an.",
    too_many: "Zu viele Codes gesendet. Versuchen Sie es später erneut.", bot: "Die Bot-Prüfung ist fehlgeschlagen. Laden Sie die Seite neu.", link: "Dieser Link ist ungültig oder abgelaufen. Gehen Sie zurück und beginnen Sie neu.",
    invalid_to: "Prüfen Sie die Telefonnummer oder E-Mail-Adresse.", bad_redirect: "Diese Seite wurde mit einer nicht erlaubten Rücksprungadresse geöffnet.", failed: "Etwas ist schiefgelaufen. Versuchen Sie es erneut.",
  },
};

const $ = (id) => document.getElementById(id);
const frag = new URLSearchParams(location.hash.slice(1));
const query = new URLSearchParams(location.search);
// The token leaves the address bar at once (history, screenshots, shoulder surfing).
history.replaceState(null, "", location.pathname + location.search);

const want = (query.get("locale") || frag.get("locale") || navigator.language || "en").slice(0, 2).toLowerCase();
const lang = S[want] ? want : "en";
const T = S[lang];
const t = (key, vars = {}) => T[key].replace(/\{(\w+)\}/g, (_, k) => vars[k]);
document.documentElement.lang = lang;
document.title = T.title;
for (const el of document.querySelectorAll("[data-t]")) el.textContent = T[el.dataset.t];

const service = decodeURIComponent(location.pathname.split("/")[2] || "");
const token = frag.get("token") || "";
const fixedChannel = frag.get("channel");
const boundTo = frag.get("to") || "";
const redirect = frag.get("redirect_uri") || "";
const popup = frag.get("mode") === "popup";
const api = globalThis.EdgeVerify.client({ baseUrl: location.origin, token, serviceSid: service });
let to = "", channel = "sms", wrong = 0, maxChecks = 5, returnTo = null, timer = 0;

function say(text) {
  $("status").textContent = text;
}
function fail(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}
function show(form) {
  $("send").hidden = form !== "send";
  $("check").hidden = form !== "check";
}

function errorText(e) {
  const c = e.code;
  if (e.status === 401 || c === 20003) return t("link");
  if (c === 60202) return t("locked");
  if (c === 20404) return t("expired");
  if (c === 60203 || c === 60212 || c === 20429 || e.status === 429) return t("too_many");
  if (c === 60451) return t("bot");
  if (c === 60200 || c === 21211 || c === 60205) return t("invalid_to");
  return t("failed") + (c ? ` (${c})` : "");
}

function cooldown(seconds) {
  const button = $("resend");
  let left = seconds;
  clearInterval(timer);
  const tick = () => {
    button.disabled = left > 0;
    button.textContent = left > 0 ? t("resend_in", { s: left }) : t("resend");
    if (left-- <= 0) clearInterval(timer);
  };
  tick();
  timer = setInterval(tick, 1000);
}

function setChannel(value) {
  channel = value;
  const email = value === "email";
  const input = $("to");
  input.type = email ? "email" : "tel";
  input.autocomplete = email ? "email" : "tel";
  $("to-label").textContent = t(email ? "email_label" : "phone");
  $("to-hint").textContent = t(email ? "email_hint" : "phone_hint");
}

async function send() {
  fail("");
  say(t("sending"));
  try {
    await api.sendCode({ to, channel, locale: lang });
    say(t("sent", { to }));
    show("check");
    $("code").value = "";
    $("code").focus();
    cooldown(30);
    webOtp();
  } catch (e) {
    say("");
    fail(errorText(e));
    if (e.retryAfter) cooldown(e.retryAfter);
  }
}

function webOtp() {
  if (channel !== "sms" || !("OTPCredential" in window)) return;
  navigator.credentials.get({ otp: { transport: ["sms"] } }).then((otp) => {
    if (otp && otp.code) {
      $("code").value = otp.code;
      $("check").requestSubmit();
    }
  }, () => {});
}

function finish(result) {
  const message = { type: "edge-verify:result", result_token: result.result_token, to: result.to, verification_sid: result.sid };
  if (popup && window.opener && returnTo) {
    say(t("returning"));
    window.opener.postMessage(message, returnTo.origin);
    window.close();
  } else if (returnTo && !popup) {
    say(t("returning"));
    returnTo.searchParams.set("result_token", result.result_token || "");
    location.assign(returnTo.href);
  } else {
    say(t("approved"));
  }
}

async function check() {
  const code = $("code").value.trim();
  if (!code) return $("code").focus();
  fail("");
  say(t("checking"));
  try {
    const result = await api.checkCode({ to, code });
    if (result.status === "approved") {
      show("");
      document.body.classList.add("done");
      return finish(result);
    }
    wrong += 1;
    say("");
    fail(maxChecks - wrong > 0 ? t("wrong", { n: maxChecks - wrong }) : t("locked"));
    $("code").select();
  } catch (e) {
    say("");
    fail(errorText(e));
  }
}

async function start() {
  if (!token || !service) return fail(t("link"));
  // The page's settings, and whether redirect_uri is one of the service's allowed origins.
  const url = new URL(`/verify/${encodeURIComponent(service)}/config`, location.origin);
  if (redirect) url.searchParams.set("redirect_uri", redirect);
  let config;
  try {
    const res = await fetch(url, { headers: { authorization: "Bearer " + token }, credentials: "omit" });
    config = await res.json();
    if (!res.ok) return fail(errorText(config));
  } catch {
    return fail(t("failed"));
  }
  if (redirect || popup) {
    if (!config.redirect_allowed) return fail(t("bad_redirect"));
    returnTo = new URL(redirect);
  }
  maxChecks = config.max_checks || maxChecks;
  if (config.friendly_name) $("title").textContent = document.title = t("title_for", { name: config.friendly_name });
  const chosen = config.to || boundTo;
  if (fixedChannel) $("channels").hidden = true;
  setChannel(fixedChannel || "sms");
  if (chosen) {
    $("to").value = chosen;
    $("to").readOnly = true;
  }
  show("send");
  (chosen ? $("send").querySelector("button") : $("to")).focus();
}

$("channels").addEventListener("change", (e) => setChannel(e.target.value));
$("send").addEventListener("submit", (e) => {
  e.preventDefault();
  to = $("to").value.trim();
  if (!to) return $("to").focus();
  send();
});
$("check").addEventListener("submit", (e) => {
  e.preventDefault();
  check();
});
$("resend").addEventListener("click", send);
$("change").addEventListener("click", () => {
  show("send");
  say("");
  fail("");
  $("to").focus();
});
$("resend").textContent = t("resend");
start();
