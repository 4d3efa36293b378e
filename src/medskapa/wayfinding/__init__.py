"""Finding one's way: each person's own start page ("Mina uppgifter", gathered from the
areas they work in, through those areas' services) and the admins' index of their pages."""
