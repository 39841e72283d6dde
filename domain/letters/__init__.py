"""Letters: which letters a case's state calls for, what each says, and the DIN 5008 address field.

One module per concern; import a name from the module that defines it (this package re-exports
nothing, so each import says which concern it needs):

- `kinds`: the five kinds, their recipients and templates, KIND_DE, the languages, LetterRefused;
- `due`: which letters the case's state calls for (`due_letters`, `still_due`, `LetterKey`);
- `address`: the address field, the salutations and the sender (`address_lines`, `sender_for`);
- `compose`: the facts of a case and the composers (`CaseFacts`, `compose_letter`);
- `texts`: the words from data/letters/*.yaml and their schema (`LetterTexts`, `build_letter_texts`);
- `samples`: invented letters that reach every branch, to check texts and templates.

The words are data (data/letters/<language>.yaml); the facts are from domain.md and cited there.
"""
