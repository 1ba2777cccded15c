-- rows that use the new column, written before the rollback drops it
update public.profiles set bio = 'trades EURUSD' where username = 'alice';
