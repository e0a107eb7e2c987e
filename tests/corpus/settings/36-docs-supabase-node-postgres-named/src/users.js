const { Pool } = require('pg')
const pool = new Pool({ connectionString: process.env.DATABASE_URL })

const query = {
  name: 'fetch-user',
  text: 'SELECT * FROM user WHERE id = $1',
  values: [1],
}

module.exports = () => pool.query(query)
