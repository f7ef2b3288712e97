"""Plain lookup data of the rule backend: what names of words, actions, tasks, plugins
and steps mean. Python modules, so that importing one costs a dict display and no
parsing."""
