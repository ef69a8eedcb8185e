// RedisClient module.
