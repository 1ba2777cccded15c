select ok(false, 'an assertion in an included file');
