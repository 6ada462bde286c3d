/* Static search index for reading recaps from the file system (generated; do not edit). */
window.CHATBOT_SEARCH = {{ records | tojson }};
