// The account page (templates/staff/account.html): once django-otp-webauthn has added a
// passkey, the page is loaded again so that the new passkey is listed, to be named.
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
