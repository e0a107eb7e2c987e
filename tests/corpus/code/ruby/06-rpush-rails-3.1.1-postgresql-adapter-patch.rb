# source: rpush/rpush lib/rapns/daemon/patches/rails/3.1.1/postgresql_adapter.rb @ d2385fe02b68 (MIT, rpush.gemspec)
module ActiveRecord
  module ConnectionAdapters
    class PostgreSQLAdapter < AbstractAdapter
      class StatementPool < ConnectionAdapters::StatementPool
        def dealloc(key)
          @connection.query "DEALLOCATE #{key}" if connection_active?
        end

        def connection_active?
          @connection.status == PGconn::CONNECTION_OK
        rescue PGError
          false
        end
      end
    end
  end
end
