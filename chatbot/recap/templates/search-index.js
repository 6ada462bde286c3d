/* Static search index for reading recaps from the file system (generated; do not edit):
   the files holding each recap's messages, loaded by index.html when searching. */
window.CHATBOT_SEARCH_FILES = {{ files | tojson }};
