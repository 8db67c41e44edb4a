// The rich text editor of the content admin (content/forms.py: RichTextWidget): each editor
// takes the name of its field's label, so that a screen reader says what it is for. The
// editor itself comes from django-prose-editor; this file only names it.
document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  if (label) {
    editor.view.dom.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
  }
});
