"""Knowledge: the corpus and the province rules, loaded and checked, with their sources and the
passages they become."""
